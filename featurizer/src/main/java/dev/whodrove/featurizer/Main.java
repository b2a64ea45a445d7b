package dev.whodrove.featurizer;

import dev.whodrove.runtime.ServiceMain;

/** Entry point: {@code java -cp ... dev.whodrove.featurizer.Main}; config from WHODROVE_* environment variables. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    ServiceMain.run(new FeaturizerServiceFactory());
  }
}
