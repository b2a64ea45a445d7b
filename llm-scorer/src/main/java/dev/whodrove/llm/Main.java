package dev.whodrove.llm;

import dev.whodrove.runtime.ServiceMain;

/** Runs the phase-2 LLM scorer as its own process (health and metrics on port 9406). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    ServiceMain.run(new LlmScorerServiceFactory());
  }
}
