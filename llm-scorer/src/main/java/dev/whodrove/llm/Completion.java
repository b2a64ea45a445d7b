package dev.whodrove.llm;

/**
 * One Chat Completions answer: the first choice's content (or refusal), why generation stopped, and the token usage
 * the server reported (-1 when it reported none).
 */
public record Completion(String content, String refusal, String finishReason, long promptTokens, long completionTokens,
    long totalTokens, int attempts) {

  public boolean refused() {
    return refusal != null && !refusal.isBlank();
  }
}
