package dev.whodrove.cli;

import dev.whodrove.schemas.PrintEvents;
import dev.whodrove.schemas.v1.CadenceSegment;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.sink.SessionDetail;
import dev.whodrove.sink.SessionDatabase;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The cadence picture of one recording. */
@Command(name = "plot", mixinStandardHelpOptions = true,
    description = {"Draw the cadence of a recording as PNG: output events over time with bytes per second, and "
        + "inter-event gaps on a log scale with 1/5/30 s guides; dashed lines mark change-point segment boundaries.",
        "The recording is a file (ProtoStream <sid>.tar or asciicast), or a session of sessions.sqlite whose "
        + "recording is a local file."})
public final class PlotCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", paramLabel = "RECORDING") Path recording;
  @Option(names = "--db", description = "Look the recording up in this sessions.sqlite (with --session).") Path db;
  @Option(names = "--session", description = "Session id in --db.") String session;
  @Option(names = "--out", required = true, description = "PNG file to write.") Path out;

  /** Print times (s since the first print) and sizes of a recording, plus its features (for the segments). */
  record Trace(double[] t, double[] bytes, long firstMs, SessionFeatures features) {}

  @Override
  public Integer call() throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path file = recording != null ? recording : fromDb();
    Trace trace = read(file);
    if (trace.t().length < 2) {
      throw new IllegalArgumentException(file + " has fewer than two output events: nothing to plot");
    }
    ImageIO.write(render(file.getFileName().toString(), trace), "png", out.toFile());
    System.out.printf("wrote %s (%d output events, %d segments)%n", out, trace.t().length,
        trace.features().getSegmentsCount());
    return 0;
  }

  private Path fromDb() throws Exception {
    if (db == null || session == null) {
      throw new IllegalArgumentException("give a RECORDING file, or --db and --session");
    }
    try (SessionDatabase store = SessionDatabase.openReadOnly(LabelCommand.requireDb(db))) {
      SessionDetail d = store.showSession(session)
          .orElseThrow(() -> new IllegalArgumentException("no session " + session + " in " + db));
      Object uri = d.column("recording_uri");
      if (uri == null || !uri.toString().startsWith("file:")) {
        throw new IllegalArgumentException("session " + session + " has no local recording (recording_uri="
            + uri + "); pass the recording file instead");
      }
      return Path.of(URI.create(uri.toString()));
    }
  }

  static Trace read(Path file) throws IOException {
    List<double[]> points = new ArrayList<>();
    SessionFeatures features;
    try {
      features = OfflineRecording.featurize(file,
          (index, timeMs, bytes, delayMs, editChars) -> points.add(new double[] {timeMs, bytes}));
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
    double[] t = new double[points.size()];
    double[] b = new double[points.size()];
    double t0 = points.isEmpty() ? 0 : points.get(0)[0];
    for (int i = 0; i < t.length; i++) {
      t[i] = (points.get(i)[0] - t0) / 1000.0;
      b[i] = points.get(i)[1];
    }
    return new Trace(t, b, (long) t0, features);
  }

  private static BufferedImage render(String title, Trace tr) {
    double[] t = tr.t();
    List<Double> boundaries = new ArrayList<>();
    for (int i = 1; i < tr.features().getSegmentsCount(); i++) {
      CadenceSegment s = tr.features().getSegments(i);
      boundaries.add((s.getStartMs() - tr.firstMs()) / 1000.0); // the x axis starts at the first output event
    }
    double end = t[t.length - 1];

    XYChart top = new XYChartBuilder().width(1200).height(360).title(title + " — output over time")
        .xAxisTitle("seconds").yAxisTitle("bytes per second").build();
    int bins = (int) Math.ceil(end) + 1;
    double[] binX = new double[bins];
    double[] binY = new double[bins];
    for (int i = 0; i < bins; i++) {
      binX[i] = i;
    }
    for (int i = 0; i < t.length; i++) {
      binY[(int) t[i]] += tr.bytes()[i];
    }
    XYSeries bps = top.addSeries("bytes/s", binX, binY);
    bps.setMarker(SeriesMarkers.NONE);
    double rugY = 0;
    for (double y : binY) {
      rugY = Math.max(rugY, y);
    }
    double[] rug = new double[t.length];
    java.util.Arrays.fill(rug, rugY * 1.05 + 1);
    XYSeries events = top.addSeries("output events", t, rug);
    events.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    events.setMarker(SeriesMarkers.DIAMOND);
    addBoundaries(top, boundaries, 0, rugY * 1.1 + 1);

    XYChart bottom = new XYChartBuilder().width(1200).height(360).title("gap before each event (log scale)")
        .xAxisTitle("seconds").yAxisTitle("gap, s").build();
    bottom.getStyler().setYAxisLogarithmic(true);
    double[] gx = new double[t.length - 1];
    double[] gy = new double[t.length - 1];
    double maxGap = 1;
    for (int i = 1; i < t.length; i++) {
      gx[i - 1] = t[i];
      gy[i - 1] = Math.max(0.001, t[i] - t[i - 1]); // 0 cannot sit on a log axis: shown at 1 ms
      maxGap = Math.max(maxGap, gy[i - 1]);
    }
    XYSeries gaps = bottom.addSeries("gaps", gx, gy);
    gaps.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    for (double guide : new double[] {1, 5, 30}) {
      XYSeries g = bottom.addSeries(guide + " s", new double[] {0, end}, new double[] {guide, guide});
      g.setMarker(SeriesMarkers.NONE);
      g.setLineStyle(new BasicStroke(1f));
    }
    addBoundaries(bottom, boundaries, 0.001, Math.max(60, maxGap));

    BufferedImage a = BitmapEncoder.getBufferedImage(top);
    BufferedImage b = BitmapEncoder.getBufferedImage(bottom);
    BufferedImage img = new BufferedImage(Math.max(a.getWidth(), b.getWidth()), a.getHeight() + b.getHeight(),
        BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.drawImage(a, 0, 0, null);
    g.drawImage(b, 0, a.getHeight(), null);
    g.dispose();
    return img;
  }

  private static void addBoundaries(XYChart chart, List<Double> xs, double y0, double y1) {
    int i = 0;
    for (double x : xs) {
      XYSeries s = chart.addSeries("segment " + (++i) + " starts", new double[] {x, x}, new double[] {y0, y1});
      s.setMarker(SeriesMarkers.NONE);
      s.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f}, 0f));
    }
  }
}
