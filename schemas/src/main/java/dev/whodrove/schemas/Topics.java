package dev.whodrove.schemas;

import dev.whodrove.schemas.v1.Correlation;
import dev.whodrove.schemas.v1.DeadLetter;
import dev.whodrove.schemas.v1.DeadLetterReplay;
import dev.whodrove.schemas.v1.Escalation;
import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.RecordingRef;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/** The topic catalogue: the one place topic facts live (docs/architecture.md §3). */
public final class Topics {
  /**
   * The record size limit every topic is created with ({@code max.message.bytes}) and every whodrove producer sends
   * up to ({@code max.request.size}), 2 MiB unless {@code topics.max.message.bytes} says otherwise. A dead letter
   * always fits: it keeps at most {@code deadletter.max.original.bytes} of the original key and of the value.
   */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

  private static final String DELETE = TopicConfig.CLEANUP_POLICY_DELETE;
  private static final String COMPACT = TopicConfig.CLEANUP_POLICY_COMPACT;

  public static final TopicSpec<TeleportAuditEvent> TELEPORT_AUDIT_EVENTS = new TopicSpec<>(
      "teleport.audit.events", "session id, else event uid",
      TeleportAuditEvent.getDefaultInstance(), 6, DELETE, Duration.ofDays(30), true);

  public static final TopicSpec<RecordingRef> TELEPORT_RECORDINGS = new TopicSpec<>(
      "teleport.recordings", "session id",
      RecordingRef.getDefaultInstance(), 6, COMPACT, null, true);

  public static final TopicSpec<RecordingEvent> TELEPORT_RECORDING_EVENTS = new TopicSpec<>(
      "teleport.recording.events", "session id",
      RecordingEvent.getDefaultInstance(), 6, DELETE, Duration.ofDays(7), true);

  public static final TopicSpec<GcpAuditEntry> GCP_AUDIT_ENTRIES = new TopicSpec<>(
      "gcp.audit.entries", "principal",
      GcpAuditEntry.getDefaultInstance(), 6, DELETE, Duration.ofDays(7), true);

  /** Compacted: the newest feature record per session is what a replay needs. */
  public static final TopicSpec<SessionFeatures> SESSION_FEATURES = new TopicSpec<>(
      "session.features", "session id",
      SessionFeatures.getDefaultInstance(), 6, COMPACT, null, true);

  /** Not compacted: every stage's stamps for a session must survive, not only the last one. */
  public static final TopicSpec<SessionVerdict> SESSION_LABELS = new TopicSpec<>(
      "session.labels", "session id",
      SessionVerdict.getDefaultInstance(), 6, DELETE, Duration.ofDays(90), true);

  public static final TopicSpec<Escalation> SESSION_ESCALATIONS = new TopicSpec<>(
      "session.escalations", "session id",
      Escalation.getDefaultInstance(), 6, DELETE, Duration.ofDays(30), true);

  /**
   * Cross-substrate correlations (the correlator): one {@code Correlation} per (Teleport session, GCP session or
   * burst) pair, keyed by its stable id, so compaction keeps the newest and a replay rewrites the same keys; a
   * tombstone removes a pair that no longer holds. Read by SIEMs, not by whodrove services: no dead-letter companion.
   */
  public static final TopicSpec<Correlation> SESSION_CORRELATIONS = new TopicSpec<>(
      "session.correlations", "correlation id",
      Correlation.getDefaultInstance(), 6, COMPACT, null, false);

  /**
   * JSON view of {@link #SESSION_LABELS} for SIEMs: one snake_case object per change of a session, every producer's
   * stamps merged (siem-export, on by default).
   */
  public static final JsonTopicSpec SESSION_LABELS_JSON = new JsonTopicSpec(
      "session.labels.json", "session id",
      "a session's merged view: labels as flat maps plus the evidence features (see schemas/README.md)",
      6, DELETE, Duration.ofDays(90));

  /** OCSF 1.4.0 Detection Finding (class_uid 2004), one finding per session created then updated (siem-export, off by default). */
  public static final JsonTopicSpec SESSION_FINDINGS_OCSF = new JsonTopicSpec(
      "session.findings.ocsf", "session id",
      "OCSF 1.4.0 Detection Finding (class_uid 2004) of a session, Create then Update (see siem-export/README.md)",
      6, DELETE, Duration.ofDays(90));

  /** The JSON mirror topics (no dead-letter companions: nothing consumes them inside whodrove). */
  public static final List<JsonTopicSpec> JSON_TOPICS = List.of(SESSION_LABELS_JSON, SESSION_FINDINGS_OCSF);

  /** Default name of llm-scorer's completed-escalations topic ({@link #llmCompleted(String)}). */
  public static final String LLM_COMPLETED_DEFAULT_NAME = "llm-scorer.completed";

  /**
   * What {@code whodrove dlq replay} re-submitted: one {@code DeadLetterReplay} per dead letter, key
   * {@code <dead-letter topic>|<partition>|<offset>}, written in the replay's transaction, so a second replay skips
   * what the first one sent. Compacted, and dropped after the dead-letter topics' retention. Not a data topic: no
   * dead-letter companion.
   */
  public static final TopicSpec<DeadLetterReplay> DLQ_REPLAYS = new TopicSpec<>(
      "whodrove.dlq.replays", "dead-letter topic|partition|offset",
      DeadLetterReplay.getDefaultInstance(), 1, COMPACT + "," + DELETE, Duration.ofDays(30), false);

  /** Every topic that carries data; each has a {@code .dlq} companion. */
  public static final List<TopicSpec<?>> DATA_TOPICS = List.of(
      TELEPORT_AUDIT_EVENTS, TELEPORT_RECORDINGS, TELEPORT_RECORDING_EVENTS, GCP_AUDIT_ENTRIES,
      SESSION_FEATURES, SESSION_LABELS, SESSION_ESCALATIONS);

  private static final Duration DLQ_RETENTION = Duration.ofDays(30);

  private Topics() {}

  /** The dead-letter companion of a data topic, as a spec of its own. */
  public static TopicSpec<DeadLetter> deadLetterOf(TopicSpec<?> topic) {
    return new TopicSpec<>(topic.deadLetterTopic(), "the original key",
        DeadLetter.getDefaultInstance(), 1, DELETE, DLQ_RETENTION, false);
  }

  /**
   * llm-scorer's completed escalations, under the name its configuration gives (default
   * {@value #LLM_COMPLETED_DEFAULT_NAME}): the service's own state, one {@code SessionVerdict} per scored escalation,
   * compacted by key and dropped after 30 days. Not a data topic: nothing else reads it, so no dead-letter companion.
   */
  public static TopicSpec<SessionVerdict> llmCompleted(String name) {
    return new TopicSpec<>(name, "session id|escalation version", SessionVerdict.getDefaultInstance(), 6,
        COMPACT + "," + DELETE, Duration.ofDays(30), false);
  }

  /**
   * {@link #SESSION_LABELS} under another name (a sink configured to read a copy of the labels): the same key, value,
   * partitions, cleanup and retention, with a dead-letter companion of its own; {@link #SESSION_LABELS} itself for
   * its own name.
   */
  public static TopicSpec<SessionVerdict> sessionLabelsNamed(String name) {
    TopicSpec<SessionVerdict> labels = SESSION_LABELS;
    return name.equals(labels.name()) ? labels
        : new TopicSpec<>(name, labels.keyDescription(), labels.valuePrototype(), labels.partitions(),
            labels.cleanupPolicy(), labels.retention(), true);
  }

  /** Every topic, data topics first, then their dead-letter companions. */
  public static List<TopicSpec<?>> all() {
    List<TopicSpec<?>> all = new ArrayList<>(DATA_TOPICS);
    for (TopicSpec<?> t : DATA_TOPICS) {
      all.add(deadLetterOf(t));
    }
    return Collections.unmodifiableList(all);
  }

  /** Looks a topic up by name (data or dead-letter topic). */
  public static Optional<TopicSpec<?>> byName(String name) {
    return all().stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /**
   * Creates the given topics where missing, protobuf and JSON alike; existing topics are left alone. Idempotent and
   * safe to race with another instance doing the same.
   *
   * @param partitionsOverride partitions for every topic but dead-letter topics, or 0 for each topic's default
   * @param replicationFactor replication factor, or 0 for the broker's default
   * @return the names of the topics this call created
   */
  public static Set<String> ensureTopics(Admin admin, Collection<? extends TopicDefinition> topics,
      int partitionsOverride, short replicationFactor, Duration timeout) {
    return ensureTopics(admin, topics, partitionsOverride, replicationFactor, 0, timeout);
  }

  /**
   * {@link #ensureTopics(Admin, Collection, int, short, Duration)} with a record size limit: created topics get
   * {@code max.message.bytes} = {@code maxMessageBytes} (0: {@value #DEFAULT_MAX_MESSAGE_BYTES}). Existing topics keep
   * theirs.
   */
  public static Set<String> ensureTopics(Admin admin, Collection<? extends TopicDefinition> topics,
      int partitionsOverride, short replicationFactor, int maxMessageBytes, Duration timeout) {
    return ensureTopics(admin, topics, partitionsOverride, replicationFactor, maxMessageBytes, 0, timeout);
  }

  /**
   * {@link #ensureTopics(Admin, Collection, int, short, int, Duration)} with a durability floor: created topics get
   * {@code min.insync.replicas} = {@code minInsyncReplicas} (0: the broker's default). Existing topics keep theirs.
   */
  public static Set<String> ensureTopics(Admin admin, Collection<? extends TopicDefinition> topics,
      int partitionsOverride, short replicationFactor, int maxMessageBytes, int minInsyncReplicas, Duration timeout) {
    try {
      Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (TopicDefinition t : topics) {
        if (!existing.contains(t.name())) {
          missing.add(t.newTopic(partitionsOverride, replicationFactor, maxMessageBytes, minInsyncReplicas));
        }
      }
      Set<String> created = new TreeSet<>();
      var results = admin.createTopics(missing).values();
      for (var e : results.entrySet()) {
        try {
          e.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          created.add(e.getKey());
        } catch (ExecutionException ex) {
          if (!(ex.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause().getMessage(),
                ex.getCause());
          }
        }
      }
      return created;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot list or create topics: " + e, e);
    }
  }

  /** Creates every topic of the catalogue where missing, with default partitions and replication. */
  public static Set<String> ensureTopics(Admin admin) {
    return ensureTopics(admin, all(), 0, (short) 0, Duration.ofSeconds(30));
  }
}
