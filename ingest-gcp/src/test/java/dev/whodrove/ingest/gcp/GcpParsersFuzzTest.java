package dev.whodrove.ingest.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.testkit.Allocations;
import dev.whodrove.testkit.HostileInputs;
import dev.whodrove.testkit.HostileJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The GCP parsers under hostile variants of real input: the LogEntries of the fixtures and Pub/Sub push envelopes
 * carrying them, with byte edits, with hostile values in valid JSON, and as random bytes. {@link AuditLogParser}
 * answers an entry or a rejection whose reason is not {@code parse_error} (the safety net for parser defects) with a
 * detail; the envelope reader answers an envelope or its documented {@link IllegalArgumentException} with a reason;
 * and one input never costs more heap than a small multiple of its size.
 */
class GcpParsersFuzzTest {
  private static final long NOW = Instant.parse("2026-06-01T00:00:00Z").toEpochMilli();
  private static final AuditLogParser PARSER = new AuditLogParser(AuditLogParser.DEFAULT_MAX_ENTRY_BYTES, () -> NOW);
  /** The envelope reader's reasons: one per way a request can fail to be a push envelope. */
  private static final Set<String> ENVELOPE_REASONS = Set.of("not JSON", "not a JSON object", "no message object",
      "message.data missing or not a string", "message.data is not base64");

  private static final List<byte[]> ENTRIES = entries();
  private static final List<byte[]> ENVELOPES = envelopes();

  private static List<byte[]> entries() {
    List<byte[]> out = new ArrayList<>();
    Fixtures.all().forEach(l -> out.add(l.getBytes(StandardCharsets.UTF_8)));
    return out;
  }

  /** Push envelopes as Pub/Sub sends them, one per fixture file, both spellings of the message id. */
  private static List<byte[]> envelopes() {
    List<byte[]> out = new ArrayList<>();
    for (String f : Fixtures.FILES) {
      String data = Base64.getEncoder().encodeToString(Fixtures.line(f, 1));
      String id = out.size() % 2 == 0 ? "messageId" : "message_id";
      out.add(("{\"message\":{\"attributes\":{\"logging.googleapis.com/timestamp\":\"2024-05-01T10:00:00Z\"},"
          + "\"data\":\"" + data + "\",\"" + id + "\":\"" + (1000 + out.size()) + "\",\"publishTime\":"
          + "\"2024-05-01T10:00:01Z\"},\"subscription\":\"projects/p/subscriptions/audit-push\"}")
          .getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  @Provide
  Arbitrary<byte[]> entryMutants() {
    return HostileInputs.mutants(ENTRIES).map(HostileInputs.Mutant::bytes);
  }

  @Provide
  Arbitrary<byte[]> entryVariants() {
    return HostileJson.variants(ENTRIES).map(HostileJson.Variant::bytes);
  }

  @Provide
  Arbitrary<byte[]> envelopeMutants() {
    return HostileInputs.mutants(ENVELOPES).map(HostileInputs.Mutant::bytes);
  }

  @Provide
  Arbitrary<byte[]> envelopeVariants() {
    return HostileJson.variants(ENVELOPES).map(HostileJson.Variant::bytes);
  }

  @Provide
  Arbitrary<byte[]> randomBytes() {
    return HostileInputs.randomBytes(4096);
  }

  @Property(tries = 400)
  void logEntryByteEdits(@ForAll("entryMutants") byte[] input) {
    checkEntry(input);
  }

  @Property(tries = 400)
  void logEntryHostileValues(@ForAll("entryVariants") byte[] input) {
    checkEntry(input);
    Statistics.coverage(c -> c.check("accepted").percentage(p -> p >= 20));
  }

  @Property(tries = 200)
  void logEntryRandomBytes(@ForAll("randomBytes") byte[] input) {
    checkEntry(input);
  }

  @Property(tries = 300)
  void pushEnvelopeByteEdits(@ForAll("envelopeMutants") byte[] input) {
    checkEnvelope(input);
  }

  @Property(tries = 300)
  void pushEnvelopeHostileValues(@ForAll("envelopeVariants") byte[] input) {
    checkEnvelope(input);
    Statistics.coverage(c -> c.check("envelope").percentage(p -> p >= 20));
  }

  @Property(tries = 100)
  void pushEnvelopeRandomBytes(@ForAll("randomBytes") byte[] input) {
    checkEnvelope(input);
  }

  /** The unmodified samples: every LogEntry fixture is either accepted or names why not, every envelope reads. */
  @Example
  void samplesReachEveryCheck() {
    long accepted = ENTRIES.stream().filter(e -> PARSER.parse(e) instanceof ParseOutcome.Accepted).count();
    assertThat(accepted).isGreaterThan(ENTRIES.size() / 2);
    for (byte[] env : ENVELOPES) {
      assertThat(PubSubPushEndpoint.Envelope.parse(env).data()).isNotEmpty();
    }
  }

  private static void checkEntry(byte[] input) {
    ParseOutcome[] out = new ParseOutcome[1];
    Allocations.Measured m = Allocations.measure(() -> out[0] = PARSER.parse(input));
    assertBoundedHeap(m, input);
    assertThat(m.thrown()).as("parse never throws").isNull();
    checkOutcome(out[0], false);
  }

  private static void checkOutcome(ParseOutcome outcome, boolean carried) {
    if (outcome instanceof ParseOutcome.Rejected r) {
      assertThat(r.reason()).as("a parser defect: %s", r.detail()).isNotEqualTo(RejectReason.PARSE_ERROR);
      assertThat(r.detail()).isNotBlank();
      collect(carried, r.reason().code());
      return;
    }
    ParseOutcome.Accepted a = (ParseOutcome.Accepted) outcome;
    GcpAuditEntry e = a.entry();
    assertThat(e.getTimestampMs()).isPositive().isLessThanOrEqualTo(NOW + AuditLogParser.MAX_AHEAD.toMillis());
    assertThat(e.getReceiveTimestampMs()).isNotNegative();
    assertThat(e.getPrincipal()).isNotEmpty();
    assertThat(e.getRequestBytes()).isNotNegative();
    assertThat(e.getResponseBytes()).isNotNegative();
    assertThat(e.getMetadataBytes()).isNotNegative();
    assertThat(a.dedupKey()).isNotBlank();
    collect(carried, "accepted");
  }

  private static void checkEnvelope(byte[] input) {
    PubSubPushEndpoint.Envelope[] out = new PubSubPushEndpoint.Envelope[1];
    Allocations.Measured m = Allocations.measure(() -> out[0] = PubSubPushEndpoint.Envelope.parse(input));
    assertBoundedHeap(m, input);
    if (m.thrown() != null) {
      assertThat(m.thrown()).as("what escaped the envelope reader").isExactlyInstanceOf(IllegalArgumentException.class);
      assertThat(m.thrown().getMessage()).isIn(ENVELOPE_REASONS);
      Statistics.collect("bad_envelope");
      return;
    }
    assertThat(out[0].messageId()).isNotNull();
    Statistics.collect("envelope");
    // what the endpoint does next: the entry it carries goes through the LogEntry parser
    checkOutcome(PARSER.parse(out[0].data()), true);
  }

  private static void collect(boolean carried, String outcome) {
    if (carried) {
      Statistics.label("carried entry").collect(outcome);
    } else {
      Statistics.collect(outcome);
    }
  }

  static void assertBoundedHeap(Allocations.Measured m, byte[] input) {
    assertThat(m.bytes()).as("heap allocated for %d input bytes", input.length)
        .isLessThan(32L * 1024 * 1024 + 64L * input.length);
  }
}
