package dev.whodrove.schemas.redact;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces likely secrets in free text (command lines, exec strings, database queries, request paths, terminal
 * output, user agents) with {@code [REDACTED:<kind>]}. One implementation for every place such text is written: the
 * featurizer's notable events, the classifier's verdicts, the sink's rows, the ingest's copies of audit events and the
 * LLM prompt. Errs on the side of redacting: a lost commit hash costs less than a leaked key. Redacting text twice
 * gives the same text as redacting it once. Stateless and thread-safe.
 */
public final class SecretRedactor {

  /** Text after redaction and how many secrets were replaced. */
  public record Result(String text, int redactions) {}

  /**
   * One pattern. {@code triggers}: lower-case strings of which the text must contain at least one for the pattern to
   * be able to match at all; checking them first keeps ordinary text (nearly every command) away from the regexes.
   */
  private record Rule(String kind, Pattern pattern, int keepGroup, String[] triggers) {
    boolean mayMatch(String lower) {
      for (String t : triggers) {
        if (lower.contains(t)) {
          return true;
        }
      }
      return false;
    }
  }

  static final String MARK_PREFIX = "[REDACTED";

  /** Flag names whose value is a secret, as {@code --name value}, {@code --name=value} or {@code -name value}. */
  private static final String SECRET_FLAGS = "password|passwd|pass|passphrase|passin|passout|token|secret|api-?key"
      + "|client-secret|access-key|secret-key|auth-token|access-token|refresh-token|session-token|storepass|keypass";

  /** Names of assignments ({@code NAME=value}, {@code name: value}) whose value is a secret. */
  private static final String SECRET_NAMES = "password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey"
      + "|access[_-]?key|private[_-]?key|credentials?|signature|auth[_-]?key|session[_-]?key";

  /** A value: quoted, or up to the next blank or quote. */
  private static final String VALUE = "(?:\"[^\"\\n]*\"|'[^'\\n]*'|[^\\s\"']+)";

  /** scheme://user:password@host: the whole user info goes, the user name is identity data as well. */
  private static final Rule URL_CREDENTIALS = keep("url-credentials", "://",
      "((?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]{0,20}://)[^/\\s:@]{1,256}:[^@\\s/]{1,256}(?=@)");

  /**
   * NAME=value, name: value, "name": "value", name%3Dvalue (URL-encoded) for the secret names; a value that opens a
   * JSON object or array is a structure, not a secret.
   */
  private static final Rule ASSIGNMENT = keep("password", "pass|pwd|secret|token|key|credential|signature",
      "(?i)((?<![\\w.-])[\\w.-]{0,40}?(?:" + SECRET_NAMES + ")[\\w.-]{0,40}[\"']?\\s*(?:[=:]|%3[dD])\\s*)"
          + "(?![\\[{])(?:\"[^\"\\n]*\"|'[^'\\n]*'|[^\\s\"',;&]+)");

  /** Signed-URL signatures (sig=…); X-Amz-Signature and X-Goog-Signature are assignments. */
  private static final Rule SIGNATURE = keep("signature", "sig=", "([?&]sig=)[^&\\s\"']+");

  /**
   * Specific formats first (most certain), then headers, URLs, flags and assignments, then the generic entropy
   * catch-all. Patterns start only at token starts and bound their repetitions, so long unbroken runs stay linear.
   */
  private static final List<Rule> RULES = List.of(
      rule("private-key", "private key", "-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\\s\\S]*?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----"),
      // a block cut off by truncation: redact to the end of the text
      rule("private-key", "private key", "-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\\s\\S]*"),
      rule("aws-access-key", "akia|asia|abia|acca|aroa|aida|agpa|anpa|anva|apka|aipa", "\\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA|AGPA|ANPA|ANVA|APKA|AIPA)[0-9A-Z]{16}\\b"),
      rule("github-token", "ghp_|gho_|ghu_|ghs_|ghr_", "\\bgh[pousr]_[A-Za-z0-9]{30,255}\\b"),
      rule("github-token", "github_pat_", "\\bgithub_pat_[A-Za-z0-9_]{22,255}\\b"),
      rule("gitlab-token", "glpat-", "\\bglpat-[A-Za-z0-9_-]{20,255}"),
      rule("slack-token", "xox", "\\bxox[abposre]-[A-Za-z0-9-]{10,255}"),
      rule("slack-token", "xapp-", "\\bxapp-[0-9]-[A-Za-z0-9-]{10,255}"),
      keep("slack-webhook", "hooks.slack.com", "(\\bhttps://hooks\\.slack\\.com/(?:services|workflows|triggers)/)[A-Za-z0-9_/-]{10,255}"),
      rule("jwt", "eyj", "\\beyJ[A-Za-z0-9_-]{5,4096}\\.eyJ[A-Za-z0-9_-]{5,4096}\\.[A-Za-z0-9_-]{5,4096}"),
      rule("google-api-key", "aiza", "\\bAIza[0-9A-Za-z_-]{35}"),
      rule("google-oauth-token", "ya29.", "\\bya29\\.[0-9A-Za-z_-]{20,4096}"),
      rule("google-oauth-token", "1//0", "(?<![\\w/])1//0[0-9A-Za-z_-]{20,1024}"),
      rule("api-key", "sk-", "\\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,255}"),
      rule("api-key", "k_live_|k_test_", "\\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,255}"),
      rule("npm-token", "npm_", "\\bnpm_[A-Za-z0-9]{36}\\b"),
      keep("authorization", "authorization", "(?i)(\\b(?:proxy-)?authorization\\s*:\\s*(?:(?:bearer|basic|token|digest|negotiate|bot)\\s+)?)"
          + "[^\\s\"']+"),
      keep("cookie", "cookie", "(?i)(\\b(?:set-)?cookie\\s*:\\s*)[^\\n\"']+"),
      keep("bearer", "bearer|basic", "(?i)(\\b(?:bearer|basic)\\s+)[A-Za-z0-9._~+/=-]{8,}"),
      URL_CREDENTIALS,
      keep("password", "pass|token|secret|key", "(?i)(--?(?:" + SECRET_FLAGS + ")(?:=|\\s+))" + VALUE),
      // mysql -psecret (attached; "-p" alone prompts, "-p db" names a database)
      keep("password", "mysql|mariadb", "((?i:\\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mariadb|mariadb-dump)\\b)[^\\n]*?[\\s=]-p)"
          + "[^\\s-][^\\s]*"),
      // tools whose -p (or -a, -P) takes the password as the next word
      keep("password", "sshpass|mongo", "((?i:\\b(?:sshpass|mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport)\\b)[^\\n]*?\\s-p\\s*)"
          + "[^\\s-]\\S*"),
      keep("password", "docker", "((?i:\\bdocker\\s+login\\b)[^\\n]*?\\s-p\\s*)[^\\s-]\\S*"),
      keep("password", "redis-cli", "((?i:\\bredis-cli\\b)[^\\n]*?\\s-a\\s*)[^\\s-]\\S*"),
      keep("password", "sqlcmd|bcp", "((?i:\\b(?:sqlcmd|bcp)\\b)[^\\n]*?\\s-P\\s*)[^\\s-]\\S*"),
      // curl -u user:password: user and password both go
      keep("password", "curl|wget", "((?i:\\b(?:curl|wget)\\b)[^\\n]*?\\s(?:-u|-U|--user|--proxy-user)(?:=|\\s*))[^\\s\"':]*:[^\\s\"']+"),
      // SQL: CREATE USER … PASSWORD 'x', ALTER USER … IDENTIFIED BY 'x', SET PASSWORD = PASSWORD('x')
      keep("password", "password|identified", "(?i)(\\b(?:password|identified\\s+(?:with\\s+\\w+\\s+)?by(?:\\s+password)?)\\s*\\(?\\s*)"
          + "(?:'(?:[^'\\\\\\n]|''|\\\\.)*'|\"[^\"\\n]*\")"),
      ASSIGNMENT,
      SIGNATURE);

  /** The rules that apply to a URI used as an address, not read as text: credentials in it, nothing else. */
  private static final List<Rule> URI_RULES = List.of(URL_CREDENTIALS, ASSIGNMENT, SIGNATURE);

  /** Shortest run the generic rules consider (hex digests and base64 keys are longer). */
  private static final int GENERIC_MIN = 32;

  private static Rule rule(String kind, String triggers, String regex) {
    return new Rule(kind, Pattern.compile(regex), 0, triggers.split("\\|"));
  }

  /** A rule whose group 1 (the name, flag or prefix) is kept and only the secret after it is replaced. */
  private static Rule keep(String kind, String triggers, String regex) {
    return new Rule(kind, Pattern.compile(regex), 1, triggers.split("\\|"));
  }

  /** Redacts free text. */
  public Result redact(String text) {
    if (text == null || text.isEmpty()) {
      return new Result(text == null ? "" : text, 0);
    }
    int[] count = {0};
    String s = text;
    String lower = text.toLowerCase(Locale.ROOT);
    for (Rule r : RULES) {
      if (r.mayMatch(lower)) {
        s = replace(s, r, count);
      }
    }
    s = replaceRuns(s, true, count);
    s = replaceRuns(s, false, count);
    return new Result(s, count[0]);
  }

  /** The redacted text alone. */
  public String clean(String text) {
    return redact(text).text();
  }

  /**
   * Redacts the start of a possibly huge text and cuts the result to {@code maxChars}. A window well beyond the cut is
   * redacted first, so a secret that straddles the cut is recognised whole rather than half of it kept.
   */
  public String clean(String text, int maxChars) {
    if (text == null) {
      return "";
    }
    int window = maxChars * 4 + 1024;
    String redacted = clean(text.length() <= window ? text : text.substring(0, window));
    return redacted.length() <= maxChars ? redacted : redacted.substring(0, maxChars);
  }

  /**
   * Redacts an argument vector element by element, each seen after the program and the argument before it, so that
   * {@code --password secret} and {@code mysql … -psecret} are recognised across elements. The program is argv[0]'s
   * (or, for a command line given as one element, its first word's). The list keeps its length.
   */
  public List<String> cleanArgv(List<String> argv) {
    return argv.isEmpty() ? argv : cleanArgv(programOf(argv.get(0)), argv);
  }

  /**
   * Same, with the program named separately: Teleport's {@code session.command} leaves it out of {@code argv}, and
   * rules such as {@code mysql -p…} need it.
   */
  public List<String> cleanArgv(String program, List<String> argv) {
    if (argv.isEmpty()) {
      return argv;
    }
    String prog = program == null ? "" : programOf(program);
    List<String> out = new ArrayList<>(argv.size());
    boolean changed = false;
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      String r = cleanAfter(prog, i == 0 ? "" : argv.get(i - 1), arg);
      changed |= !r.equals(arg);
      out.add(r);
    }
    return changed ? List.copyOf(out) : argv;
  }

  /** One argument in the context of its program and the argument before it. */
  private String cleanAfter(String program, String previous, String arg) {
    String shortHead = program.isEmpty() ? "" : program + " ";
    if (!previous.isEmpty()) {
      String head = shortHead + previous + " ";
      String r = clean(head + arg);
      if (r.startsWith(head)) {
        return r.substring(head.length());
      }
      // the context itself held a secret: see the argument after the program alone
    }
    String r = clean(shortHead + arg);
    return r.startsWith(shortHead) ? r.substring(shortHead.length()) : clean(arg);
  }

  /** The program name of argv[0] (or of a whole command line given as one element): its first word, no directory. */
  static String programOf(String first) {
    String word = first.strip();
    int space = word.indexOf(' ');
    if (space >= 0) {
      word = word.substring(0, space);
    }
    int slash = word.lastIndexOf('/');
    return slash >= 0 ? word.substring(slash + 1) : word;
  }

  /**
   * Redacts a URI that is used as an address (a recording location): credentials in its user info and secret
   * query parameters only, so an ordinary {@code s3://} or {@code file://} location stays usable.
   */
  public String cleanUri(String uri) {
    if (uri == null || uri.isEmpty()) {
      return uri == null ? "" : uri;
    }
    int[] count = {0};
    String s = uri;
    String lower = uri.toLowerCase(Locale.ROOT);
    for (Rule r : URI_RULES) {
      if (r.mayMatch(lower)) {
        s = replace(s, r, count);
      }
    }
    return s;
  }

  private static String replace(String s, Rule r, int[] count) {
    Matcher m = r.pattern.matcher(s);
    StringBuilder out = null;
    int last = 0;
    while (m.find()) {
      String kept = r.keepGroup > 0 ? m.group(r.keepGroup) : "";
      String secret = s.substring(m.start() + kept.length(), m.end());
      if (secret.startsWith(MARK_PREFIX)) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(s.length());
      }
      out.append(s, last, m.start()).append(kept).append(mark(r.kind));
      last = m.end();
      count[0]++;
    }
    if (out == null) {
      return s;
    }
    return out.append(s, last, s.length()).toString();
  }

  private static String mark(String kind) {
    return MARK_PREFIX + ":" + kind + "]";
  }

  /**
   * The generic catch-all, scanned by hand in one pass (a regex would retry every position of every word): a whole
   * word of at least {@value #GENERIC_MIN} hex digits with entropy of 3 bits or more ({@code hex-secret}), or a run
   * of at least that many base64/base64url characters (plus up to two {@code =}) with upper case, lower case and
   * digits, entropy of 4 bits or more, and fewer than three slashes ({@code secret}).
   */
  private static String replaceRuns(String s, boolean hex, int[] count) {
    StringBuilder out = null;
    int last = 0;
    int n = s.length();
    int i = 0;
    while (i < n) {
      if (!(hex ? isWordChar(s.charAt(i)) : isBase64Char(s.charAt(i)))) {
        i++;
        continue;
      }
      int start = i;
      while (i < n && (hex ? isWordChar(s.charAt(i)) : isBase64Char(s.charAt(i)))) {
        i++;
      }
      int end = i;
      if (end - start < GENERIC_MIN || (hex && !allHex(s, start, end))) {
        continue;
      }
      if (!hex) {
        while (end < n && end - i < 2 && s.charAt(end) == '=') {
          end++;
        }
      }
      if (!looksSecret(s.substring(start, end), hex ? 3.0 : 4.0, !hex)) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(n);
      }
      out.append(s, last, start).append(mark(hex ? "hex-secret" : "secret"));
      last = end;
      i = end;
      count[0]++;
    }
    return out == null ? s : out.append(s, last, n).toString();
  }

  private static boolean isWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  private static boolean isBase64Char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/'
        || c == '_' || c == '-';
  }

  private static boolean allHex(String s, int from, int to) {
    for (int k = from; k < to; k++) {
      char c = s.charAt(k);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
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
