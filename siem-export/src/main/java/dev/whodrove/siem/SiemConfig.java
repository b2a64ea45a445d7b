package dev.whodrove.siem;

import dev.whodrove.runtime.ConfigException;
import dev.whodrove.runtime.ServiceConfig;
import dev.whodrove.runtime.StreamsService;
import java.time.Duration;
import java.util.Map;

/**
 * Everything siem-export depends on. {@link #from} reads the {@code siem.*} keys and the shared
 * {@code application.id} documented in siem-export/README.md.
 *
 * @param json publish {@code session.labels.json}
 * @param ocsf publish {@code session.findings.ocsf}
 * @param humanFindings also render a finding for a plain human session (operator.type=human, no handoff)
 * @param release the whodrove release: {@code metadata.product.version} of the findings
 * @param serdeConfig client config handed to the protobuf serdes (schema registry settings)
 * @param applicationId Streams application id (consumer group)
 * @param query where {@code GET /sessions/{id}} is served and how other instances are asked
 */
public record SiemConfig(boolean json, boolean ocsf, boolean humanFindings, String release,
    Map<String, ?> serdeConfig, String applicationId, Query query) {
  public static final String VERSION = "v1";
  public static final String DEFAULT_APPLICATION_ID = "whodrove-siem-export-" + VERSION;
  /** Default port of the session query endpoint (the health endpoints are on 9409). */
  public static final int DEFAULT_QUERY_PORT = 9419;

  /** Prefix of the service's own keys. */
  public static final String PREFIX = "siem.";
  public static final String JSON = "siem.json.enabled";
  public static final String OCSF = "siem.ocsf.enabled";
  public static final String OCSF_HUMAN = "siem.ocsf.human.findings";
  public static final String PRODUCT_VERSION = "siem.ocsf.product.version";
  public static final String HTTP_PREFIX = "siem.http.";
  public static final String HTTP_HOST = "siem.http.host";
  public static final String HTTP_PORT = "siem.http.port";
  public static final String ADVERTISED_HOST = "siem.http.advertised.host";
  public static final String FORWARD_TIMEOUT = "siem.http.forward.timeout";
  public static final String APPLICATION_ID = StreamsService.APPLICATION_ID;

  /**
   * The query endpoint.
   *
   * @param host address to listen on
   * @param port port; 0 = any free port, -1 = no endpoint (and no interactive queries)
   * @param advertisedHost the name other instances reach this one by ({@code application.server}); null = the
   *     listen address when it is a specific one, else this machine's host name
   * @param forwardTimeout how long a request forwarded to the instance holding the session may take
   */
  public record Query(String host, int port, String advertisedHost, Duration forwardTimeout) {
    public boolean enabled() {
      return port >= 0;
    }
  }

  public SiemConfig {
    serdeConfig = Map.copyOf(serdeConfig);
  }

  /** Defaults: JSON on, OCSF off, no findings for plain human sessions, plain protobuf serdes, no query endpoint. */
  public static SiemConfig defaults() {
    return new SiemConfig(true, false, false, SiemRelease.VERSION, Map.of(), DEFAULT_APPLICATION_ID,
        new Query("0.0.0.0", -1, null, Duration.ofSeconds(5)));
  }

  public static SiemConfig from(ServiceConfig cfg) {
    int port = cfg.getInt(HTTP_PORT, DEFAULT_QUERY_PORT);
    if (port < -1 || port > 65_535) {
      throw new ConfigException("invalid config " + HTTP_PORT + "=" + port + " (" + ServiceConfig.keyToEnv(HTTP_PORT)
          + "): expected a port, 0 for any free one or -1 for none");
    }
    Duration forward = cfg.getDuration(FORWARD_TIMEOUT, Duration.ofSeconds(5));
    if (forward.isNegative() || forward.isZero()) {
      throw new ConfigException("invalid config " + FORWARD_TIMEOUT + "=" + cfg.get(FORWARD_TIMEOUT, "") + " ("
          + ServiceConfig.keyToEnv(FORWARD_TIMEOUT) + "): expected a positive duration");
    }
    String release = cfg.get(PRODUCT_VERSION, SiemRelease.VERSION);
    if (release.isBlank()) {
      throw new ConfigException("invalid config " + PRODUCT_VERSION + " (" + ServiceConfig.keyToEnv(PRODUCT_VERSION)
          + "): empty");
    }
    Query query = new Query(cfg.get(HTTP_HOST, "0.0.0.0"), port, cfg.get(ADVERTISED_HOST, null), forward);
    return new SiemConfig(cfg.getBoolean(JSON, true), cfg.getBoolean(OCSF, false), cfg.getBoolean(OCSF_HUMAN, false),
        release, cfg.serdeProperties(), cfg.get(APPLICATION_ID, DEFAULT_APPLICATION_ID), query);
  }

  public SiemConfig withOcsf(boolean on, boolean human) {
    return new SiemConfig(json, on, human, release, serdeConfig, applicationId, query);
  }

  public SiemConfig withJson(boolean on) {
    return new SiemConfig(on, ocsf, humanFindings, release, serdeConfig, applicationId, query);
  }
}
