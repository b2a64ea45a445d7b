package dev.whodrove.ingest.teleport;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * An allowlist of client certificate subjects, written as {@code ;}-separated entries: an entry with {@code =} is a
 * distinguished name that must equal the subject (compared in canonical form, so spacing and the case of attribute
 * names do not matter: {@code CN=event-handler, O=Example}); an entry without is a common name that must equal the
 * subject's most specific CN exactly ({@code event-handler}). Empty = no restriction.
 */
final class ClientSubjects {
  private final List<X500Principal> names;
  private final Set<String> commonNames;

  private ClientSubjects(List<X500Principal> names, Set<String> commonNames) {
    this.names = names;
    this.commonNames = commonNames;
  }

  static ClientSubjects parse(String value, String key) {
    List<X500Principal> names = new ArrayList<>();
    List<String> cns = new ArrayList<>();
    for (String raw : value.split(";")) {
      String entry = raw.strip();
      if (entry.isEmpty()) {
        continue;
      }
      if (entry.contains("=")) {
        try {
          names.add(new X500Principal(entry));
        } catch (IllegalArgumentException e) {
          throw new ConfigException("invalid config " + key + " (" + ServiceConfig.keyToEnv(key)
              + "): not a distinguished name: " + entry);
        }
      } else {
        cns.add(entry);
      }
    }
    return new ClientSubjects(List.copyOf(names), Set.copyOf(cns));
  }

  boolean isEmpty() {
    return names.isEmpty() && commonNames.isEmpty();
  }

  boolean permits(X500Principal subject) {
    if (names.contains(subject)) { // X500Principal.equals compares canonical forms
      return true;
    }
    String cn = commonName(subject);
    return cn != null && commonNames.contains(cn);
  }

  /** The most specific (first written) CN of a subject, or null. */
  static String commonName(X500Principal subject) {
    try {
      List<Rdn> rdns = new LdapName(subject.getName(X500Principal.RFC2253)).getRdns(); // least specific first
      String cn = null;
      for (Rdn rdn : rdns) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn = String.valueOf(rdn.getValue());
        }
      }
      return cn;
    } catch (InvalidNameException e) {
      return null;
    }
  }
}
