package dev.whodrove.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Simulates Cloud Audit Log entries (LogEntry JSON with an AuditLog payload) of eight kinds of GCP activity: a person
 * running gcloud at a terminal, a coding agent running gcloud from its shell tool (with and without its name in the
 * user agent), Terraform, a polling loop, a CI shell script, a Cloud Console user, and a person impersonating a service
 * account.
 *
 * <p>gcloud entries carry gcloud's real user-agent layout: a fresh {@code invocation-id/} per invocation, the
 * {@code command/} token, {@code interactive/} and {@code from-script/} flags as gcloud reports them for the way it
 * was started, the client environment, and the {@code ,gzip(gfe)} suffix(es) Google's front end appends. One
 * invocation makes the API calls of its command a fraction of a second apart; the time between invocations is the
 * driver's. The same seed gives the same entries.
 */
public final class GcpSimulator {
  public static final List<String> PROFILES = List.of("human-gcloud", "agent-gcloud", "agent-shell-gcloud",
      "terraform-apply", "polling-script", "ci-script", "console-user", "sa-impersonation");

  /**
   * One simulated principal's activity: its entries and the truth.
   *
   * @param driver who drove it: {@code human}, {@code agent} or {@code program}
   * @param expectedOperator the operator.type the rules should give ({@code unknown} where the audit log cannot say)
   * @param expectedReason the operator.reason expected with {@code unknown}, else empty
   */
  public record Activity(String profile, String principal, String driver, String expectedOperator,
      String expectedReason, List<String> jsonLines, long startMs, long endMs) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROJECT = "demo-proj";

  /** One API call a command makes: service, method, resource name. */
  private record Call(String service, String method, String resource) {}

  /** A gcloud command and the API calls one invocation of it makes. */
  private record Command(String name, Call... calls) {}

  private static final String ZONE = "projects/demo-proj/zones/us-central1-a";
  private static final Command LIST_INSTANCES = new Command("compute.instances.list",
      new Call("compute.googleapis.com", "v1.compute.instances.aggregatedList", "projects/demo-proj"));
  private static final Command DESCRIBE_INSTANCE = new Command("compute.instances.describe",
      new Call("compute.googleapis.com", "v1.compute.instances.get", ZONE + "/instances/api-1"));
  private static final Command[] READS = {LIST_INSTANCES, DESCRIBE_INSTANCE,
      new Command("compute.firewall-rules.list",
          new Call("compute.googleapis.com", "v1.compute.firewalls.list", "projects/demo-proj/global/firewalls")),
      new Command("container.clusters.describe", new Call("container.googleapis.com",
          "google.container.v1.ClusterManager.GetCluster", "projects/demo-proj/locations/us-central1/clusters/prod")),
      new Command("container.clusters.get-credentials", new Call("container.googleapis.com",
          "google.container.v1.ClusterManager.GetCluster", "projects/demo-proj/locations/us-central1/clusters/prod")),
      new Command("storage.buckets.list",
          new Call("storage.googleapis.com", "storage.buckets.list", "projects/_/buckets")),
      new Command("storage.ls", new Call("storage.googleapis.com", "storage.buckets.list", "projects/_/buckets"),
          new Call("storage.googleapis.com", "storage.objects.list", "projects/_/buckets/demo-proj-artifacts")),
      new Command("iam.service-accounts.list", new Call("iam.googleapis.com",
          "google.iam.admin.v1.ListServiceAccounts", "projects/demo-proj")),
      new Command("projects.get-iam-policy",
          new Call("cloudresourcemanager.googleapis.com", "GetIamPolicy", "projects/demo-proj")),
      new Command("logging.read", new Call("logging.googleapis.com",
          "google.logging.v2.LoggingServiceV2.ListLogEntries", "projects/demo-proj")),
      new Command("run.services.describe", new Call("run.googleapis.com", "google.cloud.run.v2.Services.GetService",
          "projects/demo-proj/locations/us-central1/services/api"))};
  private static final Command[] WRITES = {
      new Command("compute.instances.add-labels",
          new Call("compute.googleapis.com", "v1.compute.instances.get", ZONE + "/instances/api-1"),
          new Call("compute.googleapis.com", "v1.compute.instances.setLabels", ZONE + "/instances/api-1")),
      new Command("compute.instances.create",
          new Call("compute.googleapis.com", "v1.compute.instances.insert", ZONE + "/instances/worker-3"),
          new Call("compute.googleapis.com", "v1.compute.zoneOperations.wait", ZONE + "/operations/op-1")),
      new Command("run.deploy", new Call("run.googleapis.com", "google.cloud.run.v2.Services.UpdateService",
          "projects/demo-proj/locations/us-central1/services/api")),
      new Command("projects.add-iam-policy-binding",
          new Call("cloudresourcemanager.googleapis.com", "GetIamPolicy", "projects/demo-proj"),
          new Call("cloudresourcemanager.googleapis.com", "SetIamPolicy", "projects/demo-proj")),
      new Command("storage.cp",
          new Call("storage.googleapis.com", "storage.objects.create", "projects/_/buckets/demo-proj-artifacts/"
              + "objects/build/app.tar.gz"))};
  /** What the Cloud Console reads to draw its pages. */
  private static final Call[] CONSOLE_READS = {
      new Call("compute.googleapis.com", "beta.compute.instances.aggregatedList", "projects/demo-proj"),
      new Call("compute.googleapis.com", "beta.compute.machineTypes.aggregatedList", "projects/demo-proj"),
      new Call("compute.googleapis.com", "v1.compute.zones.list", "projects/demo-proj"),
      new Call("cloudresourcemanager.googleapis.com", "GetIamPolicy", "projects/demo-proj"),
      new Call("iam.googleapis.com", "google.iam.admin.v1.ListServiceAccounts", "projects/demo-proj"),
      new Call("logging.googleapis.com", "google.logging.v2.LoggingServiceV2.ListLogEntries", "projects/demo-proj"),
      new Call("container.googleapis.com", "google.container.v1.ClusterManager.ListClusters",
          "projects/demo-proj/locations/-"),
      new Call("storage.googleapis.com", "storage.buckets.list", "projects/_/buckets")};

  /** Where gcloud runs: its version and the client tokens it reports. */
  private record GcloudClient(String version, String environment, String os, String osVersion, String python,
      String term, String platform) {
    String userAgent(String command, String invocationId, boolean interactive, boolean fromScript, int gfe) {
      StringBuilder ua = new StringBuilder("google-cloud-sdk gcloud/").append(version).append(" command/gcloud.")
          .append(command).append(" invocation-id/").append(invocationId).append(" environment/").append(environment)
          .append(" environment-version/None client-os/").append(os).append(" client-os-ver/").append(osVersion)
          .append(" client-pltf-arch/x86_64 interactive/").append(interactive ? "True" : "False")
          .append(" from-script/").append(fromScript ? "True" : "False").append(" python/").append(python)
          .append(" term/").append(term).append(" (").append(platform).append(')');
      for (int i = 0; i < gfe; i++) {
        ua.append(",gzip(gfe)");
      }
      return ua.toString();
    }
  }

  private static final String[] VERSIONS = {"500.0.0", "531.0.0", "548.0.0"};

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
      case "agent-gcloud" -> agent("agent-gcloud", "dev" + n + "@example.com", start, true);
      case "agent-shell-gcloud" -> agent("agent-shell-gcloud", "dev" + n + "@example.com", start, false);
      case "terraform-apply" -> terraform("deployer" + n + "@example.com", start);
      case "polling-script" -> polling("monitor" + n + "@example.com", start);
      case "ci-script" -> ci("ci" + n + "@" + PROJECT + ".iam.gserviceaccount.com", start);
      case "console-user" -> console("ops" + n + "@example.com", start);
      case "sa-impersonation" -> impersonation("ops" + n + "@example.com", "deployer" + n, start);
      default -> throw new IllegalArgumentException("unknown GCP profile " + profile + "; known: " + PROFILES);
    };
  }

  private GcloudClient laptop() {
    boolean mac = rng.nextDouble() < 0.5;
    return new GcloudClient(VERSIONS[rng.nextInt(VERSIONS.length)], "None", mac ? "MACOSX" : "LINUX",
        mac ? "23.4.0" : "6.8.0", "3.12.3", rng.nextDouble() < 0.3 ? "screen" : "xterm-256color",
        mac ? "Macintosh; Intel Mac OS X 23.4.0" : "Linux 6.8.0");
  }

  private String invocationId() {
    return String.format("%016x%016x", rng.nextLong(), rng.nextLong());
  }

  /** The calls of one invocation, a fraction of a second apart; returns the time after its last call. */
  private double invoke(List<String> lines, String principal, double t, long start, GcloudClient client,
      Command command, boolean interactive, boolean fromScript, String ip, double denyProbability, Delegation d) {
    String ua = client.userAgent(command.name(), invocationId(), interactive, fromScript, rng.nextDouble() < 0.2 ? 2 : 1);
    // gcloud starts up (python, credentials) before its first call
    for (int k = 0; k < command.calls().length; k++) {
      Call c = command.calls()[k];
      lines.add(entry(principal, start + ms(t), c, ua, ip, rng.nextDouble() < denyProbability, d));
      if (k < command.calls().length - 1) {
        t += Dist.uniform(0.05, 0.6).sample(rng);
      }
    }
    return t;
  }

  private Command read() {
    return READS[rng.nextInt(READS.length)];
  }

  private Command write() {
    return WRITES[rng.nextInt(WRITES.length)];
  }

  /** A person at a terminal: a command every 10–120 s (think time), mostly reads, now and then one re-run. */
  private Activity human(String principal, long start) {
    List<String> lines = new ArrayList<>();
    GcloudClient client = laptop();
    Dist think = Dist.mixture(new double[] {0.6, 0.4}, Dist.uniform(10, 40), Dist.uniform(40, 120));
    double t = 0;
    int commands = 12 + rng.nextInt(14);
    Command previous = read();
    for (int c = 0; c < commands; c++) {
      Command cmd = rng.nextDouble() < 0.15 ? previous : rng.nextDouble() < 0.2 ? write() : read();
      t = invoke(lines, principal, t, start, client, cmd, true, false, "10.20.0.7", 0.02, null);
      previous = cmd;
      t += think.sample(rng);
    }
    return new Activity("human-gcloud", principal, "human", "human", "", lines, start, start + ms(t));
  }

  /**
   * A coding agent running gcloud through its shell tool: no terminal (the tool gives it no terminal on stdin), a command per
   * model turn 3–40 s apart, sometimes two chained in one turn, early permission errors while it explores. With
   * {@code named}, its name is in the user agent's environment token (as {@code CLOUDSDK_METRICS_ENVIRONMENT} puts it
   * there); without, nothing in the user agent says agent.
   */
  private Activity agent(String profile, String principal, long start, boolean named) {
    List<String> lines = new ArrayList<>();
    GcloudClient laptop = laptop();
    GcloudClient client = named ? new GcloudClient(laptop.version(), "claude-code", laptop.os(), laptop.osVersion(),
        laptop.python(), laptop.term(), laptop.platform()) : laptop;
    Dist turn = Dist.mixture(new double[] {0.7, 0.25, 0.05}, Dist.uniform(3, 12), Dist.uniform(12, 30),
        Dist.uniform(30, 40));
    double t = 0;
    int turns = 30 + rng.nextInt(20);
    for (int i = 0; i < turns; i++) {
      Command cmd = i < 6 || rng.nextDouble() < 0.75 ? read() : write();
      t = invoke(lines, principal, t, start, client, cmd, false, false, "10.20.0.8", i < 5 ? 0.15 : 0.03, null);
      if (rng.nextDouble() < 0.1) {
        t += Dist.uniform(0.7, 1.5).sample(rng); // `gcloud a && gcloud b` in one tool call
        t = invoke(lines, principal, t, start, client, read(), false, false, "10.20.0.8", 0.03, null);
      }
      t += turn.sample(rng);
    }
    return new Activity(profile, principal, "agent", "agent", "", lines, start, start + ms(t));
  }

  /**
   * {@link #agent}'s coding agent, between two times: turns until {@code endMs}, for scenarios that place activity
   * beside a Teleport session. {@code profile} is the truth's name for it.
   */
  public Activity agentBetween(String profile, String principal, long startMs, long endMs, boolean named) {
    List<String> lines = new ArrayList<>();
    GcloudClient laptop = laptop();
    GcloudClient client = named ? new GcloudClient(laptop.version(), "claude-code", laptop.os(), laptop.osVersion(),
        laptop.python(), laptop.term(), laptop.platform()) : laptop;
    Dist turn = Dist.mixture(new double[] {0.7, 0.25, 0.05}, Dist.uniform(3, 12), Dist.uniform(12, 30),
        Dist.uniform(30, 40));
    double t = 0;
    for (int i = 0; startMs + ms(t) < endMs; i++) {
      Command cmd = i < 6 || rng.nextDouble() < 0.75 ? read() : write();
      t = invoke(lines, principal, t, startMs, client, cmd, false, false, "10.20.0.8", i < 5 ? 0.15 : 0.03, null);
      t += turn.sample(rng);
    }
    return new Activity(profile, principal, "agent", "agent", "", lines, startMs, startMs + ms(t));
  }

  /** {@link #human}'s person at a terminal, between two times. */
  public Activity humanBetween(String profile, String principal, long startMs, long endMs) {
    List<String> lines = new ArrayList<>();
    GcloudClient client = laptop();
    Dist think = Dist.mixture(new double[] {0.7, 0.3}, Dist.uniform(10, 40), Dist.uniform(40, 90));
    double t = 0;
    Command previous = read();
    while (startMs + ms(t) < endMs) {
      Command cmd = rng.nextDouble() < 0.15 ? previous : rng.nextDouble() < 0.2 ? write() : read();
      t = invoke(lines, principal, t, startMs, client, cmd, true, false, "10.20.0.7", 0.02, null);
      previous = cmd;
      t += think.sample(rng);
    }
    return new Activity(profile, principal, "human", "human", "", lines, startMs, startMs + ms(t));
  }

  /** terraform apply: a fast, steady stream of reads and writes. */
  private Activity terraform(String principal, long start) {
    List<String> lines = new ArrayList<>();
    String ua = "Terraform/1.9.5 (+https://www.terraform.io) Terraform-Plugin-SDK/2.10.1 "
        + "terraform-provider-google/5.40.0,gzip(gfe)";
    double t = 0;
    int n = 40 + rng.nextInt(60);
    for (int i = 0; i < n; i++) {
      Command cmd = i < n / 2 ? read() : write();
      lines.add(entry(principal, start + ms(t), cmd.calls()[0], ua, "10.20.0.9", false, null));
      t += Dist.uniform(0.1, 2.5).sample(rng);
    }
    return new Activity("terraform-apply", principal, "program", "unknown", "scripted", lines, start, start + ms(t));
  }

  /**
   * A shell loop describing one instance every 5 s ({@code while …; do gcloud compute instances describe …; sleep 5;
   * done} in a script): one invocation per call, gcloud's start-up on top of the sleep.
   */
  private Activity polling(String principal, long start) {
    List<String> lines = new ArrayList<>();
    GcloudClient client = laptop();
    double t = 0;
    int n = 100 + rng.nextInt(50);
    for (int i = 0; i < n; i++) {
      t = invoke(lines, principal, t, start, client, DESCRIBE_INSTANCE, false, true, "10.20.0.10", 0, null);
      t += 5 + Dist.uniform(0.6, 0.9).sample(rng);
    }
    return new Activity("polling-script", principal, "program", "unknown", "polling", lines, start, start + ms(t));
  }

  /** A CI job's deploy script under a service account: commands back to back, gcloud says from-script. */
  private Activity ci(String principal, long start) {
    List<String> lines = new ArrayList<>();
    GcloudClient client = new GcloudClient(VERSIONS[rng.nextInt(VERSIONS.length)], "None", "LINUX", "6.8.0",
        "3.12.3", "dumb", "Linux 6.8.0");
    double t = 0;
    int n = 20 + rng.nextInt(20);
    for (int i = 0; i < n; i++) {
      Command cmd = i % 3 == 0 ? write() : read();
      t = invoke(lines, principal, t, start, client, cmd, false, true, "34.120.0.5", 0, null);
      t += rng.nextDouble() < 0.1 ? Dist.uniform(2, 6).sample(rng) : Dist.uniform(0.6, 1.5).sample(rng);
    }
    return new Activity("ci-script", principal, "program", "unknown", "scripted", lines, start, start + ms(t));
  }

  /**
   * A person in the Cloud Console: every page they open fires several reads within a second or two, pages 5–90 s
   * apart, now and then an action.
   */
  private Activity console(String principal, long start) {
    List<String> lines = new ArrayList<>();
    String ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        + "Chrome/131.0.0.0 Safari/537.36,gzip(gfe)" + (rng.nextDouble() < 0.5 ? ",gzip(gfe)" : "");
    double t = 0;
    int pages = 10 + rng.nextInt(15);
    for (int p = 0; p < pages; p++) {
      int reads = 3 + rng.nextInt(8);
      for (int k = 0; k < reads; k++) {
        lines.add(entry(principal, start + ms(t), CONSOLE_READS[rng.nextInt(CONSOLE_READS.length)], ua,
            "203.0.113.24", false, null));
        t += Dist.uniform(0.05, 0.4).sample(rng);
      }
      if (rng.nextDouble() < 0.15) {
        lines.add(entry(principal, start + ms(t), write().calls()[0], ua, "203.0.113.24", false, null));
      }
      t += Dist.uniform(5, 90).sample(rng);
    }
    return new Activity("console-user", principal, "human", "unknown", "console", lines, start, start + ms(t));
  }

  /** Who impersonated the principal of an entry. */
  private record Delegation(String person) {}

  /**
   * A person at a terminal impersonating a service account ({@code --impersonate-service-account}): the audit log names
   * the service account as principal and the person as first delegate; some calls denied.
   */
  private Activity impersonation(String principal, String account, long start) {
    List<String> lines = new ArrayList<>();
    String sa = account + "@" + PROJECT + ".iam.gserviceaccount.com";
    GcloudClient client = laptop();
    Delegation d = new Delegation(principal);
    double t = 0;
    int n = 8 + rng.nextInt(10);
    for (int i = 0; i < n; i++) {
      t = invoke(lines, sa, t, start, client, rng.nextDouble() < 0.3 ? write() : read(), true, false, "10.20.0.11",
          0.2, d);
      t += Dist.uniform(8, 90).sample(rng);
    }
    return new Activity("sa-impersonation", sa, "human", "human", "", lines, start, start + ms(t));
  }

  private String entry(String principal, long timeMs, Call call, String ua, String ip, boolean denied,
      Delegation delegation) {
    ObjectNode e = JSON.createObjectNode();
    e.put("insertId", Long.toHexString(rng.nextLong()));
    boolean read = call.method().contains("list") || call.method().contains("List") || call.method().contains("get")
        || call.method().startsWith("Get") || call.method().contains(".Get");
    e.put("logName", "projects/" + PROJECT + "/logs/cloudaudit.googleapis.com%2F" + (read ? "data_access" : "activity"));
    e.put("timestamp", Instant.ofEpochMilli(timeMs).toString());
    e.put("receiveTimestamp", Instant.ofEpochMilli(timeMs + 800).toString());
    e.put("severity", denied ? "ERROR" : "INFO");
    ObjectNode res = e.putObject("resource");
    res.put("type", call.service().startsWith("container") ? "gke_cluster" : "gce_instance");
    res.putObject("labels").put("project_id", PROJECT);
    ObjectNode p = e.putObject("protoPayload");
    p.put("@type", "type.googleapis.com/google.cloud.audit.AuditLog");
    p.put("serviceName", call.service()).put("methodName", call.method()).put("resourceName", call.resource());
    ObjectNode auth = p.putObject("authenticationInfo").put("principalEmail", principal);
    if (delegation != null) {
      auth.putArray("serviceAccountDelegationInfo").addObject().putObject("firstPartyPrincipal")
          .put("principalEmail", delegation.person());
    }
    p.putObject("requestMetadata").put("callerIp", ip).put("callerSuppliedUserAgent", ua);
    p.putArray("authorizationInfo").addObject().put("permission", call.method()).put("granted", !denied)
        .put("resource", call.resource());
    if (denied) {
      p.putObject("status").put("code", 7).put("message", "PERMISSION_DENIED");
    } else {
      p.putObject("status");
    }
    p.putObject("request").put("@type", "type.googleapis.com/" + call.method()).put("project", PROJECT);
    return e.toString();
  }

  private static long ms(double seconds) {
    return Math.round(seconds * 1000);
  }
}
