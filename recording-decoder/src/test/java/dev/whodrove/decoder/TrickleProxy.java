package dev.whodrove.decoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP proxy that passes requests through at full speed and answers at a fixed byte rate: a store whose bodies
 * trickle, as over a saturated link. One thread pair per connection; closing the proxy stops new connections.
 */
final class TrickleProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final int bytesPerTick;
  private final long tickMillis;

  /** Forwards to {@code target}, answering {@code bytesPerTick} bytes every {@code tickMillis}. */
  TrickleProxy(InetSocketAddress target, int bytesPerTick, long tickMillis) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.target = target;
    this.bytesPerTick = bytesPerTick;
    this.tickMillis = tickMillis;
    Thread accept = new Thread(this::accept, "trickle-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        pump(client, upstream, Integer.MAX_VALUE, 0);
        pump(upstream, client, bytesPerTick, tickMillis);
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void pump(Socket from, Socket to, int chunk, long pauseMillis) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[Math.min(chunk, 64 * 1024)];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
          if (pauseMillis > 0) {
            Thread.sleep(pauseMillis);
          }
        }
      } catch (IOException | InterruptedException e) {
        // either side went away: the other is closed below
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "trickle-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
