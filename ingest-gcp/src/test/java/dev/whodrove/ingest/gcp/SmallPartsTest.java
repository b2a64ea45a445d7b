package dev.whodrove.ingest.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SmallPartsTest {

  @Test
  void dedupWindowRemembersOnlyPublishedKeysWithinWindowAndBound() {
    AtomicLong now = new AtomicLong(1000);
    DedupWindow w = new DedupWindow(Duration.ofSeconds(10), 2, now::get);
    CompletableFuture<Object> f = new CompletableFuture<>();
    assertThat(w.claim("a", f)).isInstanceOf(DedupWindow.Owner.class);
    assertThat(w.claim("a", new CompletableFuture<>())).isEqualTo(new DedupWindow.InFlight(f));
    w.finish("a", false);
    assertThat(w.claim("a", f)).isInstanceOf(DedupWindow.Owner.class);
    w.finish("a", true);
    assertThat(w.claim("a", f)).isInstanceOf(DedupWindow.Seen.class);
    now.addAndGet(10_001);
    assertThat(w.claim("a", f)).isInstanceOf(DedupWindow.Owner.class);
    w.finish("a", true);
    for (String k : new String[] {"b", "c"}) {
      w.claim(k, f);
      w.finish(k, true);
    }
    assertThat(w.size()).isEqualTo(2);
    assertThat(w.claim("a", f)).isInstanceOf(DedupWindow.Owner.class);
  }

  @Test
  void boundedLineReaderCapsLongLines() throws Exception {
    String input = "short\r\n" + "x".repeat(50) + "\n\nlast";
    BoundedLineReader r = new BoundedLineReader(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), 10);
    assertThat(new String(r.next().bytes(), StandardCharsets.UTF_8)).isEqualTo("short");
    BoundedLineReader.Line big = r.next();
    assertThat(big.overflowed()).isTrue();
    assertThat(big.length()).isEqualTo(50);
    assertThat(big.bytes()).hasSize(11);
    assertThat(r.next().length()).isZero();
    assertThat(new String(r.next().bytes(), StandardCharsets.UTF_8)).isEqualTo("last");
    assertThat(r.next()).isNull();
  }
}
