package dev.whodrove.llm;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces likely secrets in free text (terminal output, command lines, user agents) with {@code [REDACTED:<kind>]}
 * before anything is sent to a model. Errs on the side of redacting: a lost commit hash costs less than a leaked key.
 */
public final class SecretRedactor {

  /** Text after redaction and how many secrets were replaced. */
  public record Result(String text, int redactions) {}

  private record Rule(String kind, Pattern pattern, int keepGroup) {}

  private static final String MARK = "[REDACTED:%s]";

  /**
   * Specific formats first (most certain), then assignments and flags, then the generic entropy catch-all. Patterns
   * start only at token starts and bound their repetitions, so long unbroken runs (base64 blobs) stay linear.
   */
  private static final List<Rule> RULES = List.of(
      rule("private-key", "-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\\s\\S]*?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----"),
      // a block cut off by truncation: redact to the end of the text
      rule("private-key", "-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\\s\\S]*"),
      rule("aws-access-key", "\\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[0-9A-Z]{16}\\b"),
      rule("github-token", "\\bgh[pousr]_[A-Za-z0-9]{30,255}\\b"),
      rule("github-token", "\\bgithub_pat_[A-Za-z0-9_]{22,255}\\b"),
      rule("slack-token", "\\bxox[abposre]-[A-Za-z0-9-]{10,}"),
      rule("slack-token", "\\bxapp-[0-9]-[A-Za-z0-9-]{10,}"),
      rule("jwt", "\\beyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}"),
      rule("google-api-key", "\\bAIza[0-9A-Za-z_-]{35}"),
      keep("bearer", "(?i)(\\b(?:bearer|basic)\\s+)[A-Za-z0-9._~+/=-]{8,}"),
      keep("url-credentials", "((?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]{0,20}://[^/\\s:@]{1,256}:)[^@\\s/]{1,256}(?=@)"),
      keep("password", "(?i)(--?(?:password|passwd|pass|token|secret|api-?key|client-secret|access-key|secret-key)(?:=|\\s+))"
          + "(?:\"[^\"\\n]*\"|'[^'\\n]*'|[^\\s\"']+)"),
      keep("password", "(?i)(\\b(?:mysql|mysqldump|mariadb)\\b[^\\n]*?\\s-p)[^\\s-][^\\s]*"),
      keep("password", "(?i)((?<![\\w.-])[\\w.-]{0,40}?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|"
          + "private[_-]?key|credentials?)[\\w.-]{0,40}[\"']?\\s*[=:]\\s*)(?:\"[^\"\\n]*\"|'[^'\\n]*'|[^\\s\"',;&]+)"));

  private static final Pattern HEX = Pattern.compile("\\b[0-9a-fA-F]{32,}\\b");
  private static final Pattern B64 = Pattern.compile("[A-Za-z0-9+/_-]{32,}={0,2}");

  private static Rule rule(String kind, String regex) {
    return new Rule(kind, Pattern.compile(regex), 0);
  }

  /** A rule whose group 1 (the name, flag or prefix) is kept and only the secret after it is replaced. */
  private static Rule keep(String kind, String regex) {
    return new Rule(kind, Pattern.compile(regex), 1);
  }

  public Result redact(String text) {
    if (text == null || text.isEmpty()) {
      return new Result(text == null ? "" : text, 0);
    }
    AtomicInteger count = new AtomicInteger();
    String s = text;
    for (Rule r : RULES) {
      s = replace(s, r, count);
    }
    s = replaceGeneric(s, HEX, "hex-secret", 3.0, false, count);
    s = replaceGeneric(s, B64, "secret", 4.0, true, count);
    return new Result(s, count.get());
  }

  private static String replace(String s, Rule r, AtomicInteger count) {
    Matcher m = r.pattern.matcher(s);
    StringBuilder out = null;
    int last = 0;
    while (m.find()) {
      String kept = r.keepGroup > 0 ? m.group(r.keepGroup) : "";
      String secret = s.substring(m.start() + kept.length(), m.end());
      if (secret.startsWith("[REDACTED")) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(s.length());
      }
      out.append(s, last, m.start()).append(kept).append(String.format(MARK, r.kind));
      last = m.end();
      count.incrementAndGet();
    }
    if (out == null) {
      return s;
    }
    return out.append(s, last, s.length()).toString();
  }

  private static String replaceGeneric(String s, Pattern p, String kind, double minEntropy, boolean mixedClasses,
      AtomicInteger count) {
    Matcher m = p.matcher(s);
    StringBuilder out = null;
    int last = 0;
    while (m.find()) {
      String token = m.group();
      if (!looksSecret(token, minEntropy, mixedClasses)) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(s.length());
      }
      out.append(s, last, m.start()).append(String.format(MARK, kind));
      last = m.end();
      count.incrementAndGet();
    }
    return out == null ? s : out.append(s, last, s.length()).toString();
  }

  /** High Shannon entropy, and for base64 also upper, lower and digits and not shaped like a file path. */
  static boolean looksSecret(String token, double minEntropy, boolean mixedClasses) {
    if (mixedClasses) {
      boolean upper = false;
      boolean lower = false;
      boolean digit = false;
      int slashes = 0;
      for (int i = 0; i < token.length(); i++) {
        char c = token.charAt(i);
        upper |= c >= 'A' && c <= 'Z';
        lower |= c >= 'a' && c <= 'z';
        digit |= c >= '0' && c <= '9';
        slashes += c == '/' ? 1 : 0;
      }
      if (!(upper && lower && digit) || slashes >= 3) {
        return false;
      }
    }
    return entropy(token) >= minEntropy;
  }

  static double entropy(String s) {
    int[] freq = new int[128];
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 128) {
        freq[c]++;
        n++;
      }
    }
    double h = 0;
    for (int f : freq) {
      if (f > 0) {
        double p = (double) f / n;
        h -= p * (Math.log(p) / Math.log(2));
      }
    }
    return h;
  }
}
