package dev.whodrove.featurizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reduces a Cloud Audit Log {@code callerSuppliedUserAgent} to what identifies the client, and reads the
 * per-invocation tokens it carries.
 *
 * <p>gcloud builds its user agent per process: {@code google-cloud-sdk gcloud/<version> command/gcloud.<group>.<cmd>
 * invocation-id/<uuid hex> environment/<env> environment-version/<v> [client-os/… client-os-ver/…
 * client-pltf-arch/…] interactive/<True|False> from-script/<True|False> python/<v> term/<TERM> (<platform>)}, and
 * Google's front end appends {@code ,gzip(gfe)} (sometimes twice) to whatever the client sent. Grouping entries by the
 * literal string therefore makes every gcloud invocation its own client. The normalized form drops:
 *
 * <ul>
 *   <li>front-end suffixes: trailing {@code ,gzip(gfe)};
 *   <li>per-invocation tokens: {@code invocation-id/…} (and any {@code …-invocation-id/…}), {@code interactive/…},
 *       {@code from-script/…} (they describe how one process was started, not the client);
 *   <li>the per-command token {@code command/…} (kept as evidence through {@link #parse});
 * </ul>
 *
 * and keeps everything else in order: the tool and its version, the environment tokens, Python, the terminal type and
 * the platform comment. Runs of white space become one space. Other clients (Terraform, kubectl, browsers, client
 * libraries) carry none of the dropped tokens and only lose the front-end suffix.
 */
public final class UserAgentNormalizer {
  /** What bursts group on. */
  public enum Grouping {
    /** The normalized user agent (default). */
    CLIENT,
    /** The user agent exactly as logged, as the study's notes/12 sketch groups. */
    LITERAL;

    /** The grouping string of a user agent under this mode. */
    public String keyOf(String userAgent) {
      return this == LITERAL ? (userAgent == null ? "" : userAgent) : normalize(userAgent);
    }

    /** The same, with the user agent already parsed. */
    public String keyOf(String userAgent, Parsed parsed) {
      return this == LITERAL ? (userAgent == null ? "" : userAgent) : parsed.client();
    }

    /** Parses {@code client} or {@code literal}, any case. */
    public static Grouping parse(String value) {
      return switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "client" -> CLIENT;
        case "literal" -> LITERAL;
        default -> throw new IllegalArgumentException("expected client or literal, got '" + value + "'");
      };
    }

    public String configValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The parts of one user agent.
   *
   * @param client the normalized user agent
   * @param command the {@code command/} value ({@code gcloud.compute.instances.list}), empty when absent
   * @param invocationId the {@code invocation-id/} value, empty when absent
   * @param interactive gcloud's {@code interactive/} flag (stdin and stderr are terminals), null when absent
   * @param fromScript gcloud's {@code from-script/} flag, null when absent
   * @param gcloud the client is gcloud ({@code google-cloud-sdk}, {@code gcloud/})
   * @param browser the client is a web browser ({@code Mozilla/…}: the Cloud Console)
   * @param iac the client is an infrastructure-as-code tool (Terraform, Pulumi)
   */
  public record Parsed(String client, String command, String invocationId, Boolean interactive, Boolean fromScript,
      boolean gcloud, boolean browser, boolean iac) {}

  private static final Parsed EMPTY = new Parsed("", "", "", null, null, false, false, false);

  private static final String GFE_SUFFIX = ",gzip(gfe)";

  private UserAgentNormalizer() {}

  /** The normalized user agent; empty for null or empty input. */
  public static String normalize(String userAgent) {
    return parse(userAgent).client();
  }

  /** Normalizes and reads the per-invocation tokens in one pass. */
  public static Parsed parse(String userAgent) {
    if (userAgent == null || userAgent.isEmpty()) {
      return EMPTY;
    }
    String ua = stripFrontEndSuffixes(userAgent);
    String command = "";
    String invocation = "";
    Boolean interactive = null;
    Boolean fromScript = null;
    StringBuilder kept = new StringBuilder(ua.length());
    for (String token : tokens(ua)) {
      int slash = token.indexOf('/');
      String key = slash > 0 && token.charAt(0) != '(' ? token.substring(0, slash) : "";
      switch (key) {
        case "command" -> command = token.substring(slash + 1);
        case "invocation-id" -> invocation = token.substring(slash + 1);
        case "interactive" -> interactive = flag(token.substring(slash + 1));
        case "from-script" -> fromScript = flag(token.substring(slash + 1));
        default -> {
          if (key.endsWith("-invocation-id")) {
            continue; // client libraries' own per-call ids
          }
          if (kept.length() > 0) {
            kept.append(' ');
          }
          kept.append(token);
        }
      }
    }
    String lower = ua.toLowerCase(Locale.ROOT);
    return new Parsed(kept.toString(), command, invocation, interactive, fromScript,
        lower.contains("google-cloud-sdk") || lower.startsWith("gcloud/") || lower.contains(" gcloud/"),
        lower.startsWith("mozilla/"), lower.contains("terraform") || lower.contains("pulumi"));
  }

  private static Boolean flag(String value) {
    if ("true".equalsIgnoreCase(value)) {
      return Boolean.TRUE;
    }
    if ("false".equalsIgnoreCase(value)) {
      return Boolean.FALSE;
    }
    return null;
  }

  /** Removes every trailing {@code ,gzip(gfe)} (white space around it included). */
  static String stripFrontEndSuffixes(String ua) {
    String s = ua.strip();
    while (s.endsWith(GFE_SUFFIX)) {
      s = s.substring(0, s.length() - GFE_SUFFIX.length()).strip();
    }
    return s;
  }

  /** White-space separated tokens; a parenthesized comment (which may hold spaces) is one token. */
  static List<String> tokens(String ua) {
    List<String> out = new ArrayList<>();
    int n = ua.length();
    int i = 0;
    while (i < n) {
      while (i < n && Character.isWhitespace(ua.charAt(i))) {
        i++;
      }
      if (i == n) {
        break;
      }
      int start = i;
      int depth = 0;
      boolean spaced = false;
      while (i < n) {
        char c = ua.charAt(i);
        if (c == '(') {
          depth++;
        } else if (c == ')' && depth > 0) {
          depth--;
        } else if (Character.isWhitespace(c)) {
          if (depth == 0) {
            break;
          }
          spaced = true;
        }
        i++;
      }
      String token = ua.substring(start, i);
      out.add(spaced ? collapse(token) : token);
    }
    return out;
  }

  /** Runs of white space inside a comment become one space. */
  private static String collapse(String s) {
    StringBuilder b = new StringBuilder(s.length());
    boolean space = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        space = true;
        continue;
      }
      if (space && b.length() > 0) {
        b.append(' ');
      }
      space = false;
      b.append(c);
    }
    return b.toString();
  }
}
