package dev.whodrove.featurizer;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

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
  private static final Pattern COLLECTION = Pattern.compile("[A-Za-z][A-Za-z0-9]{0,39}");

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
    String prefix = "";
    String rest = name;
    if (rest.startsWith("//")) {
      int slash = rest.indexOf('/', 2);
      if (slash < 0) {
        return rest;
      }
      prefix = rest.substring(0, slash + 1);
      rest = rest.substring(slash + 1);
    }
    String[] parts = rest.split("/", -1);
    StringBuilder out = new StringBuilder(prefix);
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        out.append('/');
      }
      boolean collection = i % 2 == 0 && COLLECTION.matcher(parts[i]).matches();
      out.append(collection ? parts[i] : "*");
      if (collection && parts[i].equals("objects") && i + 1 < parts.length) {
        out.append("/*");
        break;
      }
    }
    return out.toString();
  }
}
