package dev.whodrove.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Simulates Cloud Audit Log entries (LogEntry JSON with an AuditLog payload) for a principal driving gcloud, an
 * agent driving gcloud, Terraform, a polling script and service-account impersonation.
 */
public final class GcpSimulator {
  public static final List<String> PROFILES = List.of(
      "human-gcloud", "agent-gcloud", "terraform-apply", "polling-script", "sa-impersonation");

  /** One simulated principal's activity: its entries and the truth. */
  public record Activity(String profile, String principal, String expectedOperator, List<String> jsonLines,
      long startMs, long endMs) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROJECT = "demo-proj";
  private static final String[][] CALLS = {
      {"compute.googleapis.com", "v1.compute.instances.list", "projects/demo-proj/zones/us-central1-a/instances"},
      {"compute.googleapis.com", "v1.compute.instances.get", "projects/demo-proj/zones/us-central1-a/instances/api-1"},
      {"container.googleapis.com", "google.container.v1.ClusterManager.GetCluster",
          "projects/demo-proj/locations/us-central1/clusters/prod"},
      {"storage.googleapis.com", "storage.buckets.list", "projects/_/buckets"},
      {"iam.googleapis.com", "google.iam.admin.v1.ListServiceAccounts", "projects/demo-proj"},
      {"cloudresourcemanager.googleapis.com", "GetIamPolicy", "projects/demo-proj"},
      {"logging.googleapis.com", "google.logging.v2.LoggingServiceV2.ListLogEntries", "projects/demo-proj"},
      {"compute.googleapis.com", "v1.compute.firewalls.list", "projects/demo-proj/global/firewalls"}};

  private final Rng rng;
  private long clockMs;
  private int principalSeq;

  public GcpSimulator(long seed, long startMs) {
    this.rng = Rng.of(new SplittableRandom(seed));
    this.clockMs = startMs;
  }

  public Activity next(String profile) {
    long start = clockMs;
    clockMs += 20_000 + rng.nextInt(120_000);
    int n = ++principalSeq;
    return switch (profile) {
      case "human-gcloud" -> human("dev" + n + "@example.com", start);
      case "agent-gcloud" -> agent("dev" + n + "@example.com", start);
      case "terraform-apply" -> terraform("deployer" + n + "@example.com", start);
      case "polling-script" -> polling("monitor" + n + "@" + PROJECT + ".iam.gserviceaccount.com", start);
      case "sa-impersonation" -> impersonation("ops" + n + "@example.com", start);
      default -> throw new IllegalArgumentException("unknown GCP profile " + profile + "; known: " + PROFILES);
    };
  }

  private static String gcloudUa(String command, boolean interactive) {
    return "google-cloud-sdk gcloud/500.0.0 command/gcloud." + command + " invocation-id/0f3a environment/None "
        + "environment-version/None interactive/" + (interactive ? "True" : "False") + " from-script/"
        + (interactive ? "False" : "True") + " python/3.12.3 term/xterm-256color (Linux 6.8.0)";
  }

  /** A person at a terminal: a command every 5–50 s, each making one to four API calls. */
  private Activity human(String principal, long start) {
    List<String> lines = new ArrayList<>();
    double t = 0;
    int commands = 12 + rng.nextInt(14);
    for (int c = 0; c < commands; c++) {
      String[] call = CALLS[rng.nextInt(CALLS.length)];
      int calls = 1 + rng.nextInt(4);
      for (int k = 0; k < calls; k++) {
        lines.add(entry(principal, start + ms(t), call, gcloudUa("compute.instances.list", true), "10.20.0.7", 0,
            false));
        t += Dist.uniform(0.05, 0.6).sample(rng);
      }
      t += Dist.mixture(new double[] {0.5, 0.5}, Dist.uniform(5, 20), Dist.uniform(20, 50)).sample(rng);
    }
    return new Activity("human-gcloud", principal, "human", lines, start, start + ms(t));
  }

  /** An agent calling gcloud from its shell tool: quick tool calls separated by model think time. */
  private Activity agent(String principal, long start) {
    List<String> lines = new ArrayList<>();
    String ua = "claude-code/2.0.14 " + gcloudUa("compute.instances.describe", false);
    double t = 0;
    int turns = 25 + rng.nextInt(20);
    for (int i = 0; i < turns; i++) {
      String[] call = CALLS[rng.nextInt(CALLS.length)];
      int calls = 1 + rng.nextInt(3);
      for (int k = 0; k < calls; k++) {
        lines.add(entry(principal, start + ms(t), call, ua, "10.20.0.8", 0, rng.nextDouble() < 0.05));
        t += Dist.uniform(0.02, 0.3).sample(rng);
      }
      t += Dist.uniform(3, 14).sample(rng);
    }
    return new Activity("agent-gcloud", principal, "agent", lines, start, start + ms(t));
  }

  /** terraform apply: a fast, steady stream of reads and writes. */
  private Activity terraform(String principal, long start) {
    List<String> lines = new ArrayList<>();
    String ua = "Terraform/1.9.5 (+https://www.terraform.io) Terraform-Plugin-SDK/2.10.1 "
        + "terraform-provider-google/5.40.0";
    double t = 0;
    int n = 40 + rng.nextInt(60);
    for (int i = 0; i < n; i++) {
      lines.add(entry(principal, start + ms(t), CALLS[rng.nextInt(CALLS.length)], ua, "10.20.0.9", 0, false));
      t += Dist.uniform(0.1, 2.5).sample(rng);
    }
    return new Activity("terraform-apply", principal, "unknown", lines, start, start + ms(t));
  }

  /** A monitoring script listing instances every 10 s. */
  private Activity polling(String principal, long start) {
    List<String> lines = new ArrayList<>();
    String ua = gcloudUa("compute.instances.list", false);
    double t = 0;
    int n = 40 + rng.nextInt(30);
    for (int i = 0; i < n; i++) {
      lines.add(entry(principal, start + ms(t), CALLS[0], ua, "10.20.0.10", 0, false));
      t += 10 + Dist.uniform(-0.3, 0.3).sample(rng);
    }
    return new Activity("polling-script", principal, "unknown", lines, start, start + ms(t));
  }

  /** A user impersonating a service account, some calls denied. */
  private Activity impersonation(String principal, long start) {
    List<String> lines = new ArrayList<>();
    String sa = PROJECT + "-deployer@" + PROJECT + ".iam.gserviceaccount.com";
    double t = 0;
    int n = 8 + rng.nextInt(10);
    for (int i = 0; i < n; i++) {
      lines.add(entry(sa, start + ms(t),
          CALLS[rng.nextInt(CALLS.length)], gcloudUa("iam.service-accounts.list", true), "10.20.0.11", 1,
          rng.nextDouble() < 0.25, principal));
      t += Dist.uniform(4, 40).sample(rng);
    }
    // the audit log names the service account as principal; the user is the first delegate
    return new Activity("sa-impersonation", sa, "human", lines, start, start + ms(t));
  }

  private String entry(String principal, long timeMs, String[] call, String ua, String ip, int depth,
      boolean denied) {
    return entry(principal, timeMs, call, ua, ip, depth, denied, null);
  }

  private String entry(String principal, long timeMs, String[] call, String ua, String ip, int depth,
      boolean denied, String delegator) {
    ObjectNode e = JSON.createObjectNode();
    e.put("insertId", Long.toHexString(rng.nextLong()));
    e.put("logName", "projects/" + PROJECT + "/logs/cloudaudit.googleapis.com%2F"
        + (call[1].contains("list") || call[1].contains("get") || call[1].startsWith("Get") ? "data_access"
            : "activity"));
    e.put("timestamp", Instant.ofEpochMilli(timeMs).toString());
    e.put("receiveTimestamp", Instant.ofEpochMilli(timeMs + 800).toString());
    e.put("severity", denied ? "ERROR" : "INFO");
    ObjectNode res = e.putObject("resource");
    res.put("type", call[0].startsWith("container") ? "gke_cluster" : "gce_instance");
    res.putObject("labels").put("project_id", PROJECT);
    ObjectNode p = e.putObject("protoPayload");
    p.put("@type", "type.googleapis.com/google.cloud.audit.AuditLog");
    p.put("serviceName", call[0]).put("methodName", call[1]).put("resourceName", call[2]);
    ObjectNode auth = p.putObject("authenticationInfo").put("principalEmail", principal);
    if (depth > 0) {
      auth.putArray("serviceAccountDelegationInfo").addObject().putObject("firstPartyPrincipal")
          .put("principalEmail", delegator);
    }
    p.putObject("requestMetadata").put("callerIp", ip).put("callerSuppliedUserAgent", ua);
    p.putArray("authorizationInfo").addObject().put("permission", call[1]).put("granted", !denied)
        .put("resource", call[2]);
    if (denied) {
      p.putObject("status").put("code", 7).put("message", "PERMISSION_DENIED");
    } else {
      p.putObject("status");
    }
    p.putObject("request").put("@type", "type.googleapis.com/compute.instances.list").put("project", PROJECT);
    return e.toString();
  }

  private static long ms(double seconds) {
    return Math.round(seconds * 1000);
  }
}
