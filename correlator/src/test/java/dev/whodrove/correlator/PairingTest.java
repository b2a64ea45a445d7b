package dev.whodrove.correlator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.whodrove.schemas.v1.Correlation;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Scoring and interval arithmetic, without Kafka; the state codec's round trip. */
class PairingTest {
  private static SessionSide side(String id, SessionSide.Kind kind, long startS, long endS, String op, double conf,
      String model) {
    return new SessionSide(id, kind, kind == SessionSide.Kind.TELEPORT ? "teleport-recording" : "gcp-cloud-audit",
        "u", "u", startS * 1000, endS * 1000, op, conf, model, List.of(), endS * 1000, List.of());
  }

  @Test
  void theOverlapFractionIsOverTheShorterInterval() {
    SessionSide t = side("t", SessionSide.Kind.TELEPORT, 0, 1000, "agent", 0.8, "");
    // 100 s of a 200 s GCP interval: half of the shorter one, whatever the longer one's length
    Correlation c = Pairing.correlate(t, side("g", SessionSide.Kind.GCP, 900, 1100, "agent", 0.8, ""), 60_000, "s")
        .orElseThrow();
    assertThat(c.getOverlapS()).isEqualTo(100.0);
    assertThat(c.getOverlapFraction()).isEqualTo(0.5);
    assertThat(c.getJointScore()).isEqualTo(0.6); // 0.8 × (0.5 + 0.5 × 0.5)
    assertThat(c.getTier()).isEqualTo("medium");
    // a single call (zero length) inside the session counts as fully covered
    Correlation point = Pairing.correlate(t, side("p", SessionSide.Kind.GCP, 500, 500, "agent", 0.8, ""), 0, "s")
        .orElseThrow();
    assertThat(point.getOverlapFraction()).isEqualTo(1.0);
  }

  @Test
  void tiersFollowTheDocumentedThresholds() {
    assertThat(JointScore.tier(0.75, true)).isEqualTo("high");
    assertThat(JointScore.tier(0.749, true)).isEqualTo("medium");
    assertThat(JointScore.tier(0.99, false)).isEqualTo("medium");
    assertThat(JointScore.tier(0.55, false)).isEqualTo("medium");
    assertThat(JointScore.tier(0.549, true)).isEqualTo("low");
    assertThat(JointScore.score(1, 1, true, 1)).isEqualTo(1.0);
    assertThat(JointScore.score(0.9, 0, false, 1)).isEqualTo(0.45);
  }

  @Test
  void idsDependOnTheTwoSessionIdsOnly() {
    assertThat(CorrelationIds.of("a", "b")).startsWith("xcorr-").hasSize(30)
        .isEqualTo(CorrelationIds.of("a", "b")).isNotEqualTo(CorrelationIds.of("b", "a"));
  }

  @Test
  void stateSurvivesItsEncoding() {
    IdentityState st = new IdentityState();
    st.everPaired = true;
    st.sidesSeen = IdentityState.SEEN_TELEPORT | IdentityState.SEEN_GCP;
    SessionSide t = new SessionSide("t", SessionSide.Kind.TELEPORT, "teleport-recording", "frank", "frank@x", 1, 2,
        "agent", 0.9, "opus-4.6", List.of(new SessionSide.Segment(0, 1, 2, "human")), 3, List.of());
    SessionSide g = new SessionSide("g", SessionSide.Kind.GCP, "gcp-cloud-audit", "frank@x", "frank@x", 1, 2,
        "human", 0.5, "", List.of(), 4, List.of("gcp-old"));
    st.entries.add(new IdentityState.Entry(t, Set.of("g")));
    st.entries.add(new IdentityState.Entry(g, Set.of("t")));
    IdentityState back = StateCodec.decodeState(StateCodec.encode(st));
    assertThat(back.everPaired).isTrue();
    assertThat(back.seenTag()).isEqualTo("both");
    assertThat(back.entries).extracting(IdentityState.Entry::side).containsExactly(t, g);
    assertThat(back.entries.get(1).peers()).containsExactly("t");
    assertThat(StateCodec.decodeSide(StateCodec.encode(t))).isEqualTo(t);
  }
}
