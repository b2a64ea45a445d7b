package dev.whodrove.cli;

import dev.whodrove.runtime.ServiceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.x500.X500Principal;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;

/**
 * Who is using the CLI, for the manual stamps they write ({@code set_by=manual:<name>}) and the replays they run.
 * It is taken from the Kafka client configuration, never typed per command: the principal the configuration
 * authenticates as is what the broker verifies, what its ACLs grant write access to {@code session.labels} to, and
 * what its audit log records (docs/security.md §6).
 *
 * <ul>
 *   <li><b>SASL</b> ({@code kafka.security.protocol} SASL_PLAINTEXT or SASL_SSL): the {@code username} of PLAIN and
 *       SCRAM, the Kerberos {@code principal} of GSSAPI, the subject of an unsecured OAUTHBEARER token, read from
 *       {@code kafka.sasl.jaas.config} (or the JAAS file the JVM is given);
 *   <li><b>TLS client certificate</b> (SSL with a key store): the certificate's subject as Kafka's default principal
 *       builder names it (RFC 2253, {@code CN=alice,OU=sec,O=example}).
 * </ul>
 *
 * {@value #OPERATOR_KEY} may name the principal another way only as a broker's mapping rules commonly do (the
 * certificate's CN, the Kerberos primary name); any other value is refused. When the configuration authenticates no
 * principal (PLAINTEXT, TLS without a client certificate), or one the CLI cannot read from it (OAUTHBEARER against an
 * identity provider, a custom login module), {@value #OPERATOR_KEY} is required and is the identity, marked as
 * declared: nothing verifies it.
 */
public record OperatorIdentity(String name, Basis basis) {
  /** The configuration key naming the operator. */
  public static final String OPERATOR_KEY = "label.operator";
  private static final int MAX_NAME_CHARS = 256;

  /** Where the name comes from. */
  public enum Basis {
    SASL("the SASL principal of the Kafka client configuration"),
    TLS("the TLS client certificate of the Kafka client configuration"),
    DECLARED(OPERATOR_KEY + ", not verified: the Kafka client configuration authenticates no principal the CLI can "
        + "read");

    private final String description;

    Basis(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  /** Whether the broker vouches for the name (it is the principal the client authenticates as). */
  public boolean verified() {
    return basis != Basis.DECLARED;
  }

  /** The identity the configuration gives; throws {@link IllegalArgumentException} with one line saying why not. */
  public static OperatorIdentity from(ServiceConfig cfg) {
    String declared = cfg.get(OPERATOR_KEY, null);
    if (declared != null) {
      declared = checkName(declared.trim());
    }
    Principal p = principal(cfg);
    if (p == null) {
      if (declared == null) {
        throw new IllegalArgumentException("no operator identity: the Kafka client configuration ("
            + ServiceConfig.keyToEnv("kafka.security.protocol") + "=" + protocol(cfg) + ") authenticates no principal "
            + "the CLI can read; authenticate with SASL or a TLS client certificate (docs/security.md), or set "
            + OPERATOR_KEY + " (" + ServiceConfig.keyToEnv(OPERATOR_KEY) + ")");
      }
      return new OperatorIdentity(declared, Basis.DECLARED);
    }
    if (declared == null) {
      return new OperatorIdentity(checkName(p.name()), p.basis());
    }
    if (!p.accepted().contains(declared)) {
      throw new IllegalArgumentException(OPERATOR_KEY + "=" + declared + " is not the principal the Kafka client "
          + "configuration authenticates as (" + String.join(" or ", p.accepted()) + "): remove it or make it match");
    }
    return new OperatorIdentity(declared, p.basis());
  }

  /** An authenticated principal, and the spellings of it an operator may choose. */
  private record Principal(String name, Basis basis, Set<String> accepted) {}

  private static String protocol(ServiceConfig cfg) {
    return cfg.get("kafka.security.protocol", "PLAINTEXT").trim().toUpperCase(Locale.ROOT);
  }

  private static Principal principal(ServiceConfig cfg) {
    String protocol = protocol(cfg);
    if (protocol.startsWith("SASL_")) {
      return saslPrincipal(cfg);
    }
    if (protocol.equals("SSL")) {
      return certificatePrincipal(cfg);
    }
    return null;
  }

  private static Principal saslPrincipal(ServiceConfig cfg) {
    String mechanism = cfg.get("kafka." + SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM)
        .trim().toUpperCase(Locale.ROOT);
    String option = switch (mechanism) {
      case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512" -> "username";
      case "GSSAPI" -> "principal";
      case "OAUTHBEARER" -> "unsecuredLoginStringClaim_sub";
      default -> null;
    };
    if (option == null) {
      return null;
    }
    String jaas = cfg.get("kafka." + SaslConfigs.SASL_JAAS_CONFIG, null);
    List<AppConfigurationEntry> entries;
    try {
      entries = JaasContext.loadClientContext(jaas == null ? Map.of()
          : Map.of(SaslConfigs.SASL_JAAS_CONFIG, new Password(jaas))).configurationEntries();
    } catch (RuntimeException e) {
      // no value in the message: a JAAS text holds a password
      throw new IllegalArgumentException("cannot read the SASL login of the Kafka client configuration ("
          + "kafka." + SaslConfigs.SASL_JAAS_CONFIG + "): " + e.getClass().getSimpleName());
    }
    String value = null;
    for (AppConfigurationEntry e : entries) {
      Object v = e.getOptions().get(option);
      if (v != null && !v.toString().isBlank()) {
        value = v.toString().trim();
        break;
      }
    }
    if (value == null) {
      return null; // e.g. OAUTHBEARER with a token endpoint: the identity provider names the principal
    }
    Set<String> accepted = new LinkedHashSet<>();
    accepted.add(value);
    if (mechanism.equals("GSSAPI")) {
      accepted.add(value.split("[/@]", 2)[0]); // the primary name, what auth_to_local rules usually map to
    }
    return new Principal(value, Basis.SASL, accepted);
  }

  private static Principal certificatePrincipal(ServiceConfig cfg) {
    X509Certificate cert = clientCertificate(cfg);
    if (cert == null) {
      return null;
    }
    X500Principal subject = cert.getSubjectX500Principal();
    String dn = subject.getName(X500Principal.RFC2253);
    Set<String> accepted = new LinkedHashSet<>();
    accepted.add(dn);
    try {
      List<Rdn> rdns = new ArrayList<>(new LdapName(dn).getRdns());
      Collections.reverse(rdns); // LdapName lists the least specific first
      rdns.stream().filter(r -> r.getType().equalsIgnoreCase("CN")).findFirst()
          .ifPresent(r -> accepted.add(r.getValue().toString()));
    } catch (InvalidNameException e) {
      // the DN alone is accepted
    }
    return new Principal(dn, Basis.TLS, accepted);
  }

  private static final Pattern PEM_CERT =
      Pattern.compile("-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", Pattern.DOTALL);

  /** The client certificate of the configured key store, or null when there is none (no client authentication). */
  private static X509Certificate clientCertificate(ServiceConfig cfg) {
    String type = cfg.get("kafka.ssl.keystore.type", "JKS").trim().toUpperCase(Locale.ROOT);
    String inlineChain = cfg.get("kafka.ssl.keystore.certificate.chain", null);
    String location = cfg.get("kafka.ssl.keystore.location", null);
    try {
      if (inlineChain != null) {
        return firstPemCertificate(inlineChain, "kafka.ssl.keystore.certificate.chain");
      }
      if (location == null) {
        return null;
      }
      Path file = Path.of(location);
      if (type.equals("PEM")) {
        return firstPemCertificate(Files.readString(file, StandardCharsets.US_ASCII), "kafka.ssl.keystore.location");
      }
      KeyStore ks = KeyStore.getInstance(type);
      String password = cfg.get("kafka.ssl.keystore.password", null);
      try (InputStream in = Files.newInputStream(file)) {
        ks.load(in, password == null ? null : password.toCharArray());
      }
      Set<X500Principal> subjects = new LinkedHashSet<>();
      X509Certificate first = null;
      for (String alias : Collections.list(ks.aliases())) {
        if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate c) {
          subjects.add(c.getSubjectX500Principal());
          first = first == null ? c : first;
        }
      }
      if (subjects.size() > 1) {
        throw new IllegalArgumentException("the key store kafka.ssl.keystore.location=" + location + " holds "
            + subjects.size() + " client certificates with different subjects: the CLI cannot tell which one the "
            + "broker will see; use a key store with one");
      }
      return first;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the TLS client certificate of the Kafka client configuration ("
          + (inlineChain != null ? "kafka.ssl.keystore.certificate.chain" : "kafka.ssl.keystore.location=" + location)
          + "): " + e.getClass().getSimpleName());
    }
  }

  private static X509Certificate firstPemCertificate(String pem, String key) throws GeneralSecurityException {
    Matcher m = PEM_CERT.matcher(pem);
    if (!m.find()) {
      throw new IllegalArgumentException(key + " holds no PEM certificate");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(der));
  }

  private static String checkName(String name) {
    if (name.isEmpty() || name.length() > MAX_NAME_CHARS || name.chars().anyMatch(Character::isISOControl)) {
      String shown = name.replaceAll("\\p{Cntrl}", "?");
      shown = shown.length() > 64 ? shown.substring(0, 64) + "…" : shown;
      throw new IllegalArgumentException("operator name '" + shown + "' is empty, longer than " + MAX_NAME_CHARS
          + " characters or holds control characters");
    }
    return name;
  }
}
