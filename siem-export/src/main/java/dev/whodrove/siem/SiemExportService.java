package dev.whodrove.siem;

import dev.whodrove.runtime.HttpEndpoint;
import dev.whodrove.runtime.ManagedService;
import dev.whodrove.runtime.Readiness;
import dev.whodrove.runtime.ServiceContext;
import dev.whodrove.runtime.StreamsService;
import dev.whodrove.schemas.TopicDefinition;
import dev.whodrove.schemas.Topics;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * siem-export: the {@link SiemTopology} hosted by {@link StreamsService}, and {@code GET /sessions/{id}} on its own
 * port answering from the topology's store through interactive queries. The query endpoint is bound before the
 * Streams instance starts, so the address every instance advertises ({@code application.server}) is the one it
 * serves on.
 */
public final class SiemExportService implements ManagedService {
  private static final Logger log = LoggerFactory.getLogger(SiemExportService.class);
  public static final String NAME = "siem-export";
  public static final int HTTP_PORT = 9409;

  private final ServiceContext ctx;
  private final SiemConfig config;
  private volatile StreamsService streams;
  private SessionQueryServer queries;

  public SiemExportService(ServiceContext ctx) {
    this.ctx = ctx;
    this.config = SiemConfig.from(ctx.config());
    HttpEndpoint.Limits.from(ctx.config(), SiemConfig.HTTP_PREFIX, queryLimits()); // bad limits stop the start
  }

  public SiemConfig config() {
    return config;
  }

  @Override
  public String name() {
    return ctx.serviceName();
  }

  /** The dead-letter companion of its input and the JSON topics this configuration writes. */
  @Override
  public List<TopicDefinition> ownedTopics() {
    List<TopicDefinition> topics = new ArrayList<>(List.of(Topics.deadLetterOf(Topics.SESSION_LABELS)));
    if (config.json()) {
      topics.add(Topics.SESSION_LABELS_JSON);
    }
    if (config.ocsf()) {
      topics.add(Topics.SESSION_FINDINGS_OCSF);
    }
    return List.copyOf(topics);
  }

  @Override
  public void start() throws Exception {
    ServiceContext streamsCtx = ctx;
    if (config.query().enabled()) {
      SiemConfig.Query q = config.query();
      HostInfo[] self = new HostInfo[1];
      queries = new SessionQueryServer(new StreamsSessionLookup(this::kafkaStreams, () -> self[0]),
          q.forwardTimeout(), ctx.metrics());
      queries.listen(q.host(), q.port(), HttpEndpoint.Limits.from(ctx.config(), SiemConfig.HTTP_PREFIX,
          queryLimits()));
      self[0] = new HostInfo(advertisedHost(q), queries.port());
      streamsCtx = new ServiceContext(ctx.serviceName(), ctx.config().with(Map.of(
          "kafka." + StreamsConfig.APPLICATION_SERVER_CONFIG, self[0].host() + ":" + self[0].port())),
          ctx.metrics(), ctx.threads());
    }
    streams = new StreamsService(streamsCtx, SiemTopology.build(config), config.applicationId(), ownedTopics());
    log.info("{}: application id {}, json {}, ocsf {} (OCSF {}, human findings {}), sessions on {}", name(),
        config.applicationId(), config.json(), config.ocsf(), OcsfFinding.OCSF_VERSION, config.humanFindings(),
        queries == null ? "no port" : "port " + queries.port());
    streams.start();
  }

  /** Port of {@code GET /sessions/{id}}, or -1 when off. */
  public int queryPort() {
    return queries == null ? -1 : queries.port();
  }

  private org.apache.kafka.streams.KafkaStreams kafkaStreams() {
    StreamsService s = streams;
    return s == null ? null : s.streams();
  }

  @Override
  public Readiness readiness() {
    StreamsService s = streams;
    return s == null ? Readiness.notReady("not started") : s.readiness();
  }

  @Override
  public void stop(Duration timeout) {
    if (queries != null) {
      queries.close();
    }
    StreamsService s = streams;
    if (s != null) {
      s.stop(timeout);
    }
  }

  /** GET requests carry no body: a small limit; the header and body timeouts as every endpoint's. */
  private static HttpEndpoint.Limits queryLimits() {
    HttpEndpoint.Limits d = HttpEndpoint.Limits.defaults();
    return new HttpEndpoint.Limits(16 * 1024, d.headerTimeout(), d.bodyTimeout(), d.maxConnections());
  }

  /** The name other instances reach this one by. */
  static String advertisedHost(SiemConfig.Query q) {
    if (q.advertisedHost() != null && !q.advertisedHost().isBlank()) {
      return q.advertisedHost();
    }
    if (!q.host().equals("0.0.0.0") && !q.host().equals("::")) {
      return q.host();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
