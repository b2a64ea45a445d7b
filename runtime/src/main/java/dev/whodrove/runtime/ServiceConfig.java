package dev.whodrove.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Service configuration: dotted keys ({@code kafka.bootstrap.servers}) read from, in rising precedence, a properties
 * file, environment variables ({@code WHODROVE_KAFKA_BOOTSTRAP_SERVERS}) and explicit overrides (the embedded
 * launcher). An environment variable maps to a key by dropping {@value #ENV_PREFIX}, lower-casing and turning
 * {@code _} into {@code .}. Every {@code kafka.*} key passes through to the Kafka clients without the prefix.
 *
 * <p>Keys are either shared by every service ({@link #isSharedKey}) or owned by one service, which spells them with its
 * own prefix ({@code decoder.}, {@code llm.}, {@code sink.}, {@code teleport.}, {@code gcp.}, {@code featurizer.},
 * {@code classifier.}). A service that renamed keys lists the old spellings in a table (old key → new key, or old
 * prefix → new prefix) that its host applies once at start with {@link #withRenamedKeys}: an old spelling still
 * works, with one warning naming the new key and its environment variable.
 *
 * <p>A secret ({@link #isSecretKey}) may instead be given as {@code <key>.file} (environment {@code …_FILE}) naming a
 * file that holds it, as container secrets are mounted; one trailing newline is dropped. Secrets are never logged.
 */
public final class ServiceConfig {
  private static final Logger log = LoggerFactory.getLogger(ServiceConfig.class);
  public static final String ENV_PREFIX = "WHODROVE_";
  /** Optional properties file; its own key can only come from the environment or overrides. */
  public static final String CONFIG_FILE = "config.file";
  public static final String KAFKA_PREFIX = "kafka.";
  public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
  /** Prefixes of the keys every service shares (Kafka clients, schema registry, health endpoint, topic creation). */
  public static final List<String> SHARED_PREFIXES = List.of(KAFKA_PREFIX, "schema.registry.", "http.", "topics.");
  /** Single keys every service shares. */
  public static final List<String> SHARED_KEYS =
      List.of(CONFIG_FILE, "shutdown.timeout", "liveness.grace", "application.id", "state.dir");

  /**
   * Last dotted segments of the keys that hold secrets: a key is secret when it is one of these or ends with
   * {@code .} and one of these ({@code kafka.sasl.jaas.config}, {@code kafka.ssl.keystore.password},
   * {@code schema.registry.basic.auth.user.info}, {@code llm.api.key}, {@code gcp.push.token},
   * {@code decoder.store.s3.secret.key}, …).
   */
  public static final List<String> SECRET_KEY_SUFFIXES = List.of("password", "token", "secret", "api.key",
      "access.key", "secret.key", "access.key.id", "secret.access.key", "sasl.jaas.config", "basic.auth.user.info",
      "ssl.keystore.key");
  /** Suffix of a key naming a file that holds the value of the secret key before it ({@code llm.api.key.file}). */
  public static final String FILE_SUFFIX = ".file";
  /** Secret files larger than this are refused (a secret is a line or a small JAAS block). */
  static final int MAX_SECRET_FILE_BYTES = 1 << 20;

  private final Map<String, String> values;

  private ServiceConfig(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(withSecretFiles(values)));
  }

  /** Whether {@code key} holds a secret, which may then also be given as {@code <key>.file}. */
  public static boolean isSecretKey(String key) {
    for (String s : SECRET_KEY_SUFFIXES) {
      if (key.equals(s) || key.endsWith("." + s)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Replaces every {@code <secret key>.file} entry by the secret key with the file's content, less one trailing
   * newline. Setting both spellings of one key is an error, and so is a file that cannot be read; neither message
   * carries the value.
   */
  private static Map<String, String> withSecretFiles(Map<String, String> raw) {
    Map<String, String> out = null;
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String fileKey = e.getKey();
      if (!fileKey.endsWith(FILE_SUFFIX)) {
        continue;
      }
      String key = fileKey.substring(0, fileKey.length() - FILE_SUFFIX.length());
      if (!isSecretKey(key) || e.getValue() == null || e.getValue().isBlank()) {
        continue;
      }
      String direct = raw.get(key);
      if (direct != null && !direct.isBlank()) {
        throw new ConfigException("config " + key + " (" + keyToEnv(key) + ") and " + fileKey + " ("
            + keyToEnv(fileKey) + ") are both set: set one of them");
      }
      if (out == null) {
        out = new HashMap<>(raw);
      }
      out.remove(fileKey);
      out.put(key, readSecretFile(fileKey, e.getValue().trim()));
    }
    return out == null ? raw : out;
  }

  private static String readSecretFile(String fileKey, String file) {
    String where = fileKey + "=" + file + " (" + keyToEnv(fileKey) + ")";
    String v;
    try {
      Path path = Path.of(file);
      if (!Files.isRegularFile(path)) {
        throw new ConfigException("invalid config " + where + ": not a readable file");
      }
      if (Files.size(path) > MAX_SECRET_FILE_BYTES) {
        throw new ConfigException("invalid config " + where + ": larger than " + MAX_SECRET_FILE_BYTES + " bytes");
      }
      v = Files.readString(path);
    } catch (IOException | java.nio.file.InvalidPathException e) {
      // the exception type only: a malformed-input message could quote part of the file
      throw new ConfigException("cannot read " + where + ": " + e.getClass().getSimpleName());
    }
    if (v.endsWith("\r\n")) {
      return v.substring(0, v.length() - 2);
    }
    return v.endsWith("\n") ? v.substring(0, v.length() - 1) : v;
  }

  /** Reads the process environment (and the file it names), then applies {@code overrides}. */
  public static ServiceConfig load(Map<String, String> overrides) {
    return load(System.getenv(), overrides);
  }

  /** Same as {@link #load(Map)} with an explicit environment (for tests). */
  public static ServiceConfig load(Map<String, String> env, Map<String, String> overrides) {
    Map<String, String> fromEnv = new HashMap<>();
    env.forEach((k, v) -> {
      if (k.startsWith(ENV_PREFIX) && k.length() > ENV_PREFIX.length()) {
        fromEnv.put(envToKey(k), v);
      }
    });
    Map<String, String> merged = new HashMap<>();
    String file = overrides.getOrDefault(CONFIG_FILE, fromEnv.get(CONFIG_FILE));
    if (file != null && !file.isBlank()) {
      merged.putAll(readFile(Path.of(file)));
    }
    merged.putAll(fromEnv);
    merged.putAll(overrides);
    return new ServiceConfig(merged);
  }

  /** A config holding exactly these values (tests, embedded wiring). */
  public static ServiceConfig of(Map<String, String> values) {
    return new ServiceConfig(values);
  }

  /** This config with some keys replaced. */
  public ServiceConfig with(Map<String, String> overrides) {
    Map<String, String> m = new HashMap<>(values);
    m.putAll(overrides);
    return new ServiceConfig(m);
  }

  /** Whether {@code key} is one every service shares (rather than one a service owns under its own prefix). */
  public static boolean isSharedKey(String key) {
    return SHARED_KEYS.contains(key) || SHARED_PREFIXES.stream().anyMatch(key::startsWith);
  }

  /**
   * This config with deprecated spellings of {@code serviceName}'s keys replaced by the current ones, one WARN line
   * per old key set. {@code renamed} maps an old key to its new key, or an old prefix (ending in {@code .}) to the
   * new prefix of every key under it ({@code store.} → {@code decoder.store.}); an exact entry wins over a prefix, a
   * longer prefix over a shorter one. A value under an old spelling moves to the new key unless the new key is set
   * as well, which then wins. Keys without an entry are left alone, so applying a table twice changes nothing.
   */
  public ServiceConfig withRenamedKeys(String serviceName, Map<String, String> renamed) {
    return withRenamedKeys(serviceName, renamed, log::warn);
  }

  /** {@link #withRenamedKeys(String, Map)} with the warnings going to {@code warnings} (tests). */
  ServiceConfig withRenamedKeys(String serviceName, Map<String, String> renamed, Consumer<String> warnings) {
    if (renamed.isEmpty()) {
      return this;
    }
    Map<String, String> m = new HashMap<>(values);
    boolean changed = false;
    for (Map.Entry<String, String> e : values.entrySet()) { // sorted: warnings come in key order
      String oldKey = e.getKey();
      String newKey = renamedKey(oldKey, renamed);
      if (newKey == null || newKey.equals(oldKey)) {
        continue;
      }
      changed = true;
      m.remove(oldKey);
      if (values.containsKey(newKey)) {
        warnings.accept(serviceName + ": config key " + oldKey + " is deprecated and ignored: " + newKey + " ("
            + keyToEnv(newKey) + ") is set too");
      } else {
        m.put(newKey, e.getValue());
        warnings.accept(serviceName + ": config key " + oldKey + " (" + keyToEnv(oldKey) + ") is deprecated, use "
            + newKey + " (" + keyToEnv(newKey) + "); the old spelling is accepted until the next release");
      }
    }
    return changed ? new ServiceConfig(m) : this;
  }

  /** The new spelling of {@code key} under a rename table, or null when the table does not rename it. */
  static String renamedKey(String key, Map<String, String> renamed) {
    String exact = renamed.get(key);
    if (exact != null) {
      return exact;
    }
    String best = null;
    for (String old : renamed.keySet()) {
      if (old.endsWith(".") && key.startsWith(old) && (best == null || old.length() > best.length())) {
        best = old;
      }
    }
    return best == null ? null : renamed.get(best) + key.substring(best.length());
  }

  static String envToKey(String env) {
    return env.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
  }

  /** The environment variable that sets {@code key}. */
  public static String keyToEnv(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static Map<String, String> readFile(Path path) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(path)) {
      p.load(r);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + path + " (" + CONFIG_FILE + "): " + e.getMessage());
    }
    Map<String, String> m = new HashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k).trim()));
    return m;
  }

  /** The value, or fail with one line naming the key. */
  public String require(String key) {
    String v = values.get(key);
    if (v == null || v.isBlank()) {
      throw new ConfigException("missing required config " + key + " (set " + keyToEnv(key) + ")");
    }
    return v;
  }

  public String get(String key, String defaultValue) {
    String v = values.get(key);
    return v == null || v.isBlank() ? defaultValue : v;
  }

  public boolean has(String key) {
    String v = values.get(key);
    return v != null && !v.isBlank();
  }

  public int getInt(String key, int defaultValue) {
    String v = get(key, null);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw invalid(key, v, "an integer");
    }
  }

  public long getLong(String key, long defaultValue) {
    String v = get(key, null);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw invalid(key, v, "an integer");
    }
  }

  public double getDouble(String key, double defaultValue) {
    String v = get(key, null);
    if (v == null) {
      return defaultValue;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw invalid(key, v, "a number");
    }
  }

  public boolean getBoolean(String key, boolean defaultValue) {
    String v = get(key, null);
    if (v == null) {
      return defaultValue;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw invalid(key, v, "true or false");
    };
  }

  /** A duration: ISO-8601 ({@code PT10M}) or a number with a unit ({@code 500ms}, {@code 30s}, {@code 10m}, {@code 2h}). */
  public Duration getDuration(String key, Duration defaultValue) {
    String v = get(key, null);
    if (v == null) {
      return defaultValue;
    }
    try {
      return parseDuration(v);
    } catch (RuntimeException e) {
      throw invalid(key, v, "a duration like 30s, 10m or PT10M");
    }
  }

  /** A duration written as {@link #getDuration} reads it; throws on anything else. */
  public static Duration parseDuration(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (s.startsWith("pt") || s.startsWith("p")) {
      return Duration.parse(s.toUpperCase(Locale.ROOT));
    }
    if (s.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
    }
    long n = Long.parseLong(s.substring(0, s.length() - 1));
    return switch (s.charAt(s.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      case 'd' -> Duration.ofDays(n);
      default -> throw new IllegalArgumentException(v);
    };
  }

  private static ConfigException invalid(String key, String value, String expected) {
    return new ConfigException("invalid config " + key + "=" + value + " (" + keyToEnv(key) + "): expected " + expected);
  }

  /**
   * Properties for a Kafka client: every {@code kafka.*} key without the prefix (so SASL/SSL settings pass through).
   * Fails if no bootstrap servers are configured. Serde settings are apart: {@link #serdeProperties()}.
   */
  public Map<String, Object> kafkaClientProperties() {
    require(BOOTSTRAP_SERVERS);
    Map<String, Object> props = new HashMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(KAFKA_PREFIX)) {
        props.put(k.substring(KAFKA_PREFIX.length()), v);
      }
    });
    return props;
  }

  /**
   * What the value serdes read: the schema registry settings under the names {@code ProtobufSerde} expects. Empty
   * without a registry (plain protobuf values).
   */
  public Map<String, Object> serdeProperties() {
    Map<String, Object> props = new HashMap<>();
    if (has("schema.registry.url")) {
      props.put("schema.registry.url", values.get("schema.registry.url"));
    }
    if (has("schema.registry.basic.auth.user.info")) {
      props.put("basic.auth.user.info", values.get("schema.registry.basic.auth.user.info"));
    }
    if (has("schema.registry.auto.register")) {
      props.put("auto.register.schemas", values.get("schema.registry.auto.register"));
    }
    return props;
  }

  /** All values, for diagnostics (secrets are not masked; do not log this). */
  public Map<String, String> asMap() {
    return values;
  }
}
