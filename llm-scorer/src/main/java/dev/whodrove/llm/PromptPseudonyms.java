package dev.whodrove.llm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces user names, host names and IP addresses in the text of one prompt with stable pseudonyms: {@code user-1},
 * {@code host-1}, and {@code private-ip-1} / {@code public-ip-2} / {@code loopback-ip-3} / {@code link-local-ip-4}
 * (the address class is kept, the address is not). Within one prompt the same name always gets the same pseudonym;
 * numbers follow first appearance, so the same escalation still gives the same bytes. One instance per prompt.
 *
 * <p>Recognised: the identities the escalation names (user, login, participants, users joining or leaving, GCP
 * principals, server host name and id, cluster), and in any text e-mail addresses and {@code user@host}, shell
 * prompts and scp targets ({@code user@host:}), IPv4 and IPv6 addresses, and AWS-style {@code ip-10-0-0-1} host
 * names. A name the escalation does not give and that does not look like one of these (say, a user name as a bare
 * command argument) is not recognised.
 */
final class PromptPseudonyms {
  private static final String IPV4 = "(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";

  /** Addresses of people: e-mail or user@host.domain, and user@host: of a shell prompt or scp target. */
  private static final String PEOPLE =
      // the domain's last label is not all digits (pkg@1.2.3 is a version), unless the whole domain is an IPv4
      "(?<email>(?<![\\w.%+-])[A-Za-z0-9._%+-]{1,64}@(?:" + IPV4 + "(?![\\w.])"
      + "|(?:[A-Za-z0-9-]{1,63}\\.)+[A-Za-z][A-Za-z0-9-]{0,62}(?![\\w-])))"
      + "|(?<prompt>(?<![\\w.@-])[A-Za-z_][A-Za-z0-9_.-]{0,31}@[A-Za-z0-9][A-Za-z0-9-]{0,62}(?=:))";

  /** Machine addresses: AWS-style ip-a-b-c-d host names, IPv4, IPv6 candidates (checked in code). */
  private static final String ADDRESSES =
      "(?<awsHost>(?<![\\w.-])ip-\\d{1,3}-\\d{1,3}-\\d{1,3}-\\d{1,3}(?![\\w-]))"
      + "|(?<ipv4>(?<![\\w.])" + IPV4 + "(?!\\w|\\.\\d))"
      + "|(?<ipv6>(?<![\\w:.])[0-9A-Fa-f:]*::?[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?![\\w:]|\\.\\d))";

  /** Without known names; with them, they are tried between the two (a known host name beats its ip-a-b-c-d part). */
  private static final Pattern GENERIC_ONLY = Pattern.compile(PEOPLE + "|(?<known>(?!))|" + ADDRESSES);

  private final Map<String, String> users = new HashMap<>();
  private final Map<String, String> hosts = new HashMap<>();
  private final Map<String, String> ips = new HashMap<>();
  private final Set<String> knownUsers = new LinkedHashSet<>();
  private final Set<String> knownHosts = new LinkedHashSet<>();
  private int nextUser = 1;
  private int nextHost = 1;
  private int nextIp = 1;
  private Pattern pattern = GENERIC_ONLY;
  private boolean dirty;

  /** A user name, login or principal the escalation names; an e-mail's local part is taken as the same user. */
  PromptPseudonyms user(String name) {
    String n = name == null ? "" : name.strip();
    if (n.length() >= 2) {
      knownUsers.add(n.toLowerCase(Locale.ROOT));
      int at = n.indexOf('@');
      if (at >= 2) {
        knownUsers.add(n.substring(0, at).toLowerCase(Locale.ROOT));
      }
      dirty = true;
    }
    return this;
  }

  /** A host name, server id or cluster name the escalation names. */
  PromptPseudonyms host(String name) {
    String n = name == null ? "" : name.strip();
    if (n.length() >= 2) {
      knownHosts.add(n.toLowerCase(Locale.ROOT));
      dirty = true;
    }
    return this;
  }

  /** The text with every recognised name and address replaced. */
  String apply(String text) {
    if (text == null || text.isEmpty()) {
      return text == null ? "" : text;
    }
    Matcher m = pattern().matcher(text);
    StringBuilder out = null;
    int last = 0;
    while (m.find()) {
      String replacement = replacement(m);
      if (replacement == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(text.length());
      }
      out.append(text, last, m.start()).append(replacement);
      last = m.end();
    }
    return out == null ? text : out.append(text, last, text.length()).toString();
  }

  private Pattern pattern() {
    if (dirty) {
      List<String> names = new ArrayList<>(knownUsers);
      names.addAll(knownHosts);
      // longest first, so a host name wins over a user name that is part of it
      names.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
      StringBuilder alt = new StringBuilder();
      for (String n : names) {
        alt.append(alt.length() == 0 ? "" : "|").append(Pattern.quote(n));
      }
      pattern = Pattern.compile(PEOPLE + "|(?<known>(?<![A-Za-z0-9_-])(?i:" + alt + ")(?![A-Za-z0-9_-]))|" + ADDRESSES);
      dirty = false;
    }
    return pattern;
  }

  private String replacement(Matcher m) {
    if (m.group("email") != null) {
      String email = m.group("email");
      int at = email.lastIndexOf('@');
      String domain = email.substring(at + 1);
      if (isIpv4(domain)) {
        return userFor(email.substring(0, at)) + "@" + ipFor(domain);
      }
      return userFor(email);
    }
    if (m.group("prompt") != null) {
      String p = m.group("prompt");
      int at = p.indexOf('@');
      String host = p.substring(at + 1);
      if (host.matches("(?i)sha\\d+")) {
        return null; // image@sha256:… is a digest, not a login
      }
      return userFor(p.substring(0, at)) + "@" + hostFor(host);
    }
    if (m.group("awsHost") != null) {
      return ipFor(m.group("awsHost").substring(3).replace('-', '.'));
    }
    if (m.group("ipv4") != null) {
      return ipFor(m.group("ipv4"));
    }
    if (m.group("ipv6") != null) {
      return ipv6(m.group("ipv6"));
    }
    String known = m.group("known");
    return knownHosts.contains(known.toLowerCase(Locale.ROOT)) && !knownUsers.contains(known.toLowerCase(Locale.ROOT))
        ? hostFor(known) : userFor(known);
  }

  /** An IPv6 address (a trailing {@code :port} after {@code ::} kept), or null when the text is not one. */
  private String ipv6(String s) {
    if (isIpv6(s)) {
      return ipFor(s);
    }
    int colon = s.lastIndexOf(':');
    if (colon > 0 && isIpv6(s.substring(0, colon)) && s.substring(colon + 1).matches("\\d{1,5}")) {
      return ipFor(s.substring(0, colon)) + s.substring(colon);
    }
    return null;
  }

  /** Eight groups, or fewer with one {@code ::}; groups of at most four hex digits; at least one digit somewhere. */
  static boolean isIpv6(String s) {
    if (s.length() < 2 || !s.matches(".*\\d.*")) {
      return false;
    }
    int dbl = s.indexOf("::");
    if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
      return false;
    }
    if (s.contains(":::")) {
      return false;
    }
    String[] groups = s.split(":", -1);
    int filled = 0;
    for (String g : groups) {
      if (g.length() > 4) {
        return false;
      }
      filled += g.isEmpty() ? 0 : 1;
    }
    return dbl >= 0 ? filled <= 7 : groups.length == 8;
  }

  static boolean isIpv4(String s) {
    return s.matches(IPV4);
  }

  private String userFor(String name) {
    String key = name.toLowerCase(Locale.ROOT);
    String local = key.contains("@") ? key.substring(0, key.indexOf('@')) : null;
    String p = users.get(key);
    if (p == null && local != null && knownUsers.contains(local)) {
      p = users.get(local); // alice@corp and alice are one user when the escalation says so
    }
    if (p == null) {
      p = "user-" + nextUser++;
    }
    users.put(key, p);
    if (local != null && knownUsers.contains(local)) {
      users.putIfAbsent(local, p);
    }
    return p;
  }

  private String hostFor(String name) {
    return hosts.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> "host-" + nextHost++);
  }

  private String ipFor(String address) {
    String key = address.toLowerCase(Locale.ROOT);
    String p = ips.get(key);
    if (p == null) {
      p = addressClass(key) + "-ip-" + nextIp++;
      ips.put(key, p);
    }
    return p;
  }

  /** private, public, loopback, link-local (RFC 1918, 6598 shared and ULA count as private). */
  static String addressClass(String address) {
    if (address.contains(":")) {
      String a = address.toLowerCase(Locale.ROOT);
      if (a.equals("::1")) {
        return "loopback";
      }
      if (a.startsWith("fe8") || a.startsWith("fe9") || a.startsWith("fea") || a.startsWith("feb")) {
        return "link-local";
      }
      return a.startsWith("fc") || a.startsWith("fd") ? "private" : "public";
    }
    String[] p = address.split("\\.");
    int a = Integer.parseInt(p[0]);
    int b = Integer.parseInt(p[1]);
    if (a == 127) {
      return "loopback";
    }
    if (a == 169 && b == 254) {
      return "link-local";
    }
    if (a == 10 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168) || (a == 100 && b >= 64 && b <= 127)
        || a == 0) {
      return "private";
    }
    return "public";
  }
}
