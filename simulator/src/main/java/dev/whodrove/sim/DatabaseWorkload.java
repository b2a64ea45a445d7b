package dev.whodrove.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The statements of a simulated database session, with their times: a person at a SQL prompt (10–120 s of reading
 * and typing between statements) or an agent's tool loop (a statement, sometimes a batch of two or three, every
 * 2.5–20 s, one model turn each).
 */
public final class DatabaseWorkload {
  /** One statement, ms after the session start. */
  public record Statement(long atMs, String sql, boolean success) {}

  private static final String[] PERSON = {
      "SELECT count(*) FROM orders WHERE created_at > now() - interval '1 day'",
      "SELECT id, status FROM orders ORDER BY created_at DESC LIMIT 20",
      "\\d orders",
      "SELECT status, count(*) FROM orders GROUP BY status",
      "UPDATE orders SET status = 'cancelled' WHERE id = 48213",
      "SELECT * FROM customers WHERE email LIKE '%@example.com' LIMIT 5",
      "EXPLAIN ANALYZE SELECT * FROM orders WHERE customer_id = 991"};
  private static final String[] AGENT = {
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'orders'",
      "SELECT count(*) FROM orders",
      "SELECT status, count(*) FROM orders GROUP BY status ORDER BY 2 DESC",
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orders'",
      "SELECT id, customer_id, total FROM orders WHERE total > 1000 ORDER BY total DESC LIMIT 50",
      "SELECT pg_size_pretty(pg_total_relation_size('orders'))",
      "CREATE INDEX CONCURRENTLY idx_orders_customer ON orders (customer_id)"};

  private DatabaseWorkload() {}

  public static List<Statement> person(Rng rng) {
    List<Statement> out = new ArrayList<>();
    long t = 3_000 + rng.nextInt(8_000);
    int n = 8 + rng.nextInt(12);
    for (int i = 0; i < n; i++) {
      out.add(new Statement(t, PERSON[rng.nextInt(PERSON.length)], rng.nextDouble() > 0.1));
      t += Math.round(1000 * Dist.logNormal(30, 0.6, 10, 180).sample(rng));
    }
    return out;
  }

  public static List<Statement> agent(Rng rng) {
    List<Statement> out = new ArrayList<>();
    long t = 2_000 + rng.nextInt(4_000);
    int turns = 10 + rng.nextInt(14);
    for (int i = 0; i < turns; i++) {
      int batch = rng.nextDouble() < 0.25 ? 2 + rng.nextInt(2) : 1;
      for (int j = 0; j < batch; j++) {
        out.add(new Statement(t, AGENT[rng.nextInt(AGENT.length)], rng.nextDouble() > 0.05));
        t += 20 + rng.nextInt(150);
      }
      t += Math.round(1000 * Dist.uniform(2.5, 20).sample(rng));
    }
    return out;
  }
}
