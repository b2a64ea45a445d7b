package dev.whodrove.featurizer;

import java.util.List;
import java.util.Locale;

/** What a Cloud Audit Log method and resource name say, read from their text alone. */
final class GcpMethods {
  /** Verbs of methods that only read; the verb is the method's last dotted part, lower-cased (ListServiceAccounts). */
  private static final List<String> READ_VERBS = List.of("get", "list", "aggregatedlist", "describe", "search",
      "query", "test", "batchget", "lookup", "read", "watch", "fetch", "check", "validate");
  /**
   * Privileged operations: IAM policy changes, service-account keys, minting or signing tokens as another principal
   * (impersonation), custom roles, and GKE exec/attach into a pod.
   */
  private static final List<String> PRIVILEGED = List.of("setiampolicy", "createserviceaccountkey",
      "uploadserviceaccountkey", "generateaccesstoken", "generateidtoken", "signjwt", "signblob", "createrole",
      "updaterole", "pods.exec", "pods/exec", "pods.attach", "pods/attach");

  private GcpMethods() {}

  static boolean isRead(String method) {
    String m = method.toLowerCase(Locale.ROOT);
    String verb = m.substring(m.lastIndexOf('.') + 1);
    for (String v : READ_VERBS) {
      if (verb.startsWith(v)) {
        return true;
      }
    }
    return false;
  }

  static boolean isPrivileged(String method) {
    String m = method.toLowerCase(Locale.ROOT);
    for (String p : PRIVILEGED) {
      if (m.contains(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The resource name with identifiers replaced by {@code *}: in {@code collection/id} pairs the id goes, and a
   * collection that does not look like one (digits first, dots, longer than 40) goes too. Everything after
   * {@code objects/} is one object name. A leading {@code //service.googleapis.com/} is kept.
   */
  static String resourcePattern(String name) {
    if (name == null || name.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder(name.length());
    int start = 0;
    if (name.startsWith("//")) {
      int slash = name.indexOf('/', 2);
      if (slash < 0) {
        return name;
      }
      out.append(name, 0, slash + 1);
      start = slash + 1;
    }
    int index = 0;
    while (true) {
      int end = name.indexOf('/', start);
      int stop = end < 0 ? name.length() : end;
      if (index > 0) {
        out.append('/');
      }
      boolean collection = index % 2 == 0 && isCollection(name, start, stop);
      if (collection) {
        out.append(name, start, stop);
      } else {
        out.append('*');
      }
      if (end < 0) {
        break;
      }
      if (collection && stop - start == 7 && name.startsWith("objects", start)) {
        out.append("/*"); // an object name may hold slashes: all of it is one identifier
        break;
      }
      start = end + 1;
      index++;
    }
    return out.toString();
  }

  /** A collection name: a letter, then letters and digits, at most 40 characters. */
  private static boolean isCollection(String s, int from, int to) {
    if (to - from < 1 || to - from > 40 || !isAsciiLetter(s.charAt(from))) {
      return false;
    }
    for (int i = from + 1; i < to; i++) {
      char c = s.charAt(i);
      if (!isAsciiLetter(c) && (c < '0' || c > '9')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetter(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
  }
}
