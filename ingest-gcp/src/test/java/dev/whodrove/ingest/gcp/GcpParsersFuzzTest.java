package dev.whodrove.ingest.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.testkit.Allocations;
import dev.whodrove.testkit.Fuzz;
import dev.whodrove.testkit.Gen;
import dev.whodrove.testkit.HostileInputs;
import dev.whodrove.testkit.HostileJson;
import dev.whodrove.testkit.Tally;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInfo;

/**
 * The GCP parsers under hostile variants of real input: the LogEntries of the fixtures and Pub/Sub push envelopes
 * carrying them, with byte edits, with hostile values in valid JSON, and as random bytes. {@link AuditLogParser}
 * answers an entry or a rejection whose reason is not {@code parse_error} (the safety net for parser defects) with a
 * detail; the envelope reader answers an envelope or its documented {@link IllegalArgumentException} with a reason;
 * and one input never costs more heap than a small multiple of its size. Each property also checks that its inputs
 * reached the cases it is about. Seeds, tries and reproducing a failure: {@link Fuzz}.
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

  private static final Gen<HostileInputs.Mutant> ENTRY_MUTANTS = HostileInputs.mutants(ENTRIES);
  private static final Gen<HostileJson.Variant> ENTRY_VARIANTS = HostileJson.variants(ENTRIES);
  private static final Gen<HostileInputs.Mutant> ENVELOPE_MUTANTS = HostileInputs.mutants(ENVELOPES);
  private static final Gen<HostileJson.Variant> ENVELOPE_VARIANTS = HostileJson.variants(ENVELOPES);
  private static final Gen<byte[]> RANDOM_BYTES = HostileInputs.randomBytes(4096);

  @TestFactory
  Stream<DynamicTest> logEntryByteEdits(TestInfo test) {
    return Fuzz.forAll(test, 400, ENTRY_MUTANTS, (m, tally) -> checkEntry(m.bytes(), tally), tally -> {
      tally.atLeast("accepted", 0.05);
      tally.atLeast("rejected:not_json", 0.20);
      tally.kinds("rejected:", 2);
    });
  }

  @TestFactory
  Stream<DynamicTest> logEntryHostileValues(TestInfo test) {
    return Fuzz.forAll(test, 400, ENTRY_VARIANTS, (v, tally) -> checkEntry(v.bytes(), tally), tally -> {
      // most variants stay entries: the checks after the JSON syntax are what this property is for
      tally.atLeast("accepted", 0.20);
      tally.kinds("rejected:", 3);
    });
  }

  @TestFactory
  Stream<DynamicTest> logEntryRandomBytes(TestInfo test) {
    return Fuzz.forAll(test, 200, RANDOM_BYTES, (b, tally) -> {
      tally.add(HostileInputs.sizeClass(b));
      checkEntry(b, tally);
    }, GcpParsersFuzzTest::emptyAndLarge);
  }

  @TestFactory
  Stream<DynamicTest> pushEnvelopeByteEdits(TestInfo test) {
    return Fuzz.forAll(test, 300, ENVELOPE_MUTANTS, (m, tally) -> checkEnvelope(m.bytes(), tally), tally -> {
      tally.atLeast("envelope", 0.05);
      tally.atLeast("carried:accepted", 0.01);
      tally.kinds("bad_envelope:", 3);
    });
  }

  @TestFactory
  Stream<DynamicTest> pushEnvelopeHostileValues(TestInfo test) {
    return Fuzz.forAll(test, 300, ENVELOPE_VARIANTS, (v, tally) -> checkEnvelope(v.bytes(), tally), tally -> {
      tally.atLeast("envelope", 0.20);
      tally.atLeast("carried:accepted", 0.10);
      tally.kinds("bad_envelope:", 3);
    });
  }

  @TestFactory
  Stream<DynamicTest> pushEnvelopeRandomBytes(TestInfo test) {
    return Fuzz.forAll(test, 100, RANDOM_BYTES, (b, tally) -> {
      tally.add(HostileInputs.sizeClass(b));
      checkEnvelope(b, tally);
    }, GcpParsersFuzzTest::emptyAndLarge);
  }

  /** Random bytes: the empty input and inputs of a KiB or more both came up. */
  private static void emptyAndLarge(Tally tally) {
    tally.atLeast("size:empty", 0.01);
    tally.atLeast("size:>=1KiB", 0.03);
  }

  /** The unmodified samples: every LogEntry fixture is either accepted or names why not, every envelope reads. */
  @Test
  void samplesReachEveryCheck() {
    long accepted = ENTRIES.stream().filter(e -> PARSER.parse(e) instanceof ParseOutcome.Accepted).count();
    assertThat(accepted).isGreaterThan(ENTRIES.size() / 2);
    for (byte[] env : ENVELOPES) {
      assertThat(PubSubPushEndpoint.Envelope.parse(env).data()).isNotEmpty();
    }
  }

  private static void checkEntry(byte[] input, Tally tally) {
    ParseOutcome[] out = new ParseOutcome[1];
    Allocations.Measured m = Allocations.measure(() -> out[0] = PARSER.parse(input));
    assertBoundedHeap(m, input);
    assertThat(m.thrown()).as("parse never throws").isNull();
    checkOutcome(out[0], tally, "");
  }

  /** Checks an outcome and counts it as {@code accepted} or {@code rejected:<reason>}, after {@code prefix}. */
  private static void checkOutcome(ParseOutcome outcome, Tally tally, String prefix) {
    if (outcome instanceof ParseOutcome.Rejected r) {
      assertThat(r.reason()).as("a parser defect: %s", r.detail()).isNotEqualTo(RejectReason.PARSE_ERROR);
      assertThat(r.detail()).isNotBlank();
      tally.add(prefix + "rejected:" + r.reason().code());
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
    tally.add(prefix + "accepted");
  }

  private static void checkEnvelope(byte[] input, Tally tally) {
    PubSubPushEndpoint.Envelope[] out = new PubSubPushEndpoint.Envelope[1];
    Allocations.Measured m = Allocations.measure(() -> out[0] = PubSubPushEndpoint.Envelope.parse(input));
    assertBoundedHeap(m, input);
    if (m.thrown() != null) {
      assertThat(m.thrown()).as("what escaped the envelope reader").isExactlyInstanceOf(IllegalArgumentException.class);
      assertThat(m.thrown().getMessage()).isIn(ENVELOPE_REASONS);
      tally.add("bad_envelope:" + m.thrown().getMessage());
      return;
    }
    assertThat(out[0].messageId()).isNotNull();
    tally.add("envelope");
    // what the endpoint does next: the entry it carries goes through the LogEntry parser
    checkOutcome(PARSER.parse(out[0].data()), tally, "carried:");
  }

  static void assertBoundedHeap(Allocations.Measured m, byte[] input) {
    assertThat(m.bytes()).as("heap allocated for %d input bytes", input.length)
        .isLessThan(32L * 1024 * 1024 + 64L * input.length);
  }
}
