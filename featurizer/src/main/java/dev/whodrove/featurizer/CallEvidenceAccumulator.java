package dev.whodrove.featurizer;

import dev.whodrove.schemas.v1.GcpAuditEntry;
import dev.whodrove.schemas.v1.GcpCallEvidence;
import dev.whodrove.schemas.v1.GcpCallStep;
import dev.whodrove.schemas.v1.NameCount;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link GcpCallEvidence} of one synthetic session or burst, as entries stream in: what gcloud's user agent says
 * about each invocation (command, terminal, script), the kind of client, the gaps between invocations (think time)
 * and within them (one command's API calls), the command sequence, the method mix and the call graph.
 *
 * <p>An invocation is a run of calls with one {@code invocation-id/}. Entries arrive roughly in time order; an id
 * seen among the last {@value #RECENT_INVOCATIONS} continues its invocation (a slow call of an earlier process), and
 * a new id carrying the same command within {@value #SAME_PROCESS_MS} ms of the previous call is taken for the same
 * process (gcloud makes a user agent, and so an id, per HTTP client it builds). Memory is bounded: names are capped
 * and gap statistics are running sums.
 */
final class CallEvidenceAccumulator {
  static final int RECENT_INVOCATIONS = 8;
  static final long SAME_PROCESS_MS = 1_000;
  static final int EARLY_CALLS = 20;
  static final int MAX_COMMANDS = 64;
  static final int MAX_NAMES = 256;
  static final int MAX_PRIVILEGED = 10;
  static final int MAX_STEPS = 40;
  static final int TOP_COMMANDS = 5;
  /** Upper bounds of the invocation-gap bins, ms; the last bin is open. */
  static final long[] GAP_BINS_MS = {2_000, 10_000, 40_000, 120_000};

  /** One step of the call graph: consecutive calls with one method and resource pattern. */
  private static final class Step {
    long firstMs;
    String method;
    String pattern;
    String command;
    long calls;
    long denied;
  }

  private long calls;
  private long flagged;
  private long tty;
  private long script;
  private long browser;
  private long iac;
  private long gcloud;
  private long invocations;
  private long commandChanges;
  private final Map<String, Long> commands = new LinkedHashMap<>();
  private int extraCommands;
  private final long[] gapBins = new long[GAP_BINS_MS.length + 1];
  private long gapN;
  private double gapMean;
  private double gapM2;
  private double gapMax;
  private long withinN;
  private double withinSum;
  private long reads;
  private long writes;
  private long denied;
  private long earlyDenied;
  private long impersonation;
  private long personDelegated;
  private final Set<String> services = new LinkedHashSet<>();
  private final Set<String> methods = new LinkedHashSet<>();
  private long minute = Long.MIN_VALUE;
  private final Set<String> minuteServices = new LinkedHashSet<>();
  private int maxServicesPerMinute;
  private long privileged;
  private final List<String> privilegedMethods = new ArrayList<>();
  private final List<Step> steps = new ArrayList<>();
  private long firstMs = Long.MAX_VALUE;
  // the invocation being followed
  private final long[] recent = new long[RECENT_INVOCATIONS];
  private int recentCount;
  private int recentPos;
  private long current;
  private boolean inInvocation;
  private String currentCommand = "";
  private long currentLastMs;
  // not state: the last resource name and its pattern (consecutive calls mostly share one)
  private String lastResource;
  private String lastPattern = "";

  /** Adds one entry, its user agent already parsed. */
  void add(GcpAuditEntry e, UserAgentNormalizer.Parsed ua) {
    long t = e.getTimestampMs();
    if (calls < EARLY_CALLS && e.getDenied()) {
      earlyDenied++;
    }
    calls++;
    firstMs = Math.min(firstMs, t);
    client(ua);
    if (!ua.invocationId().isEmpty()) {
      invocation(ua, t);
    }
    if (GcpMethods.isRead(e.getMethodName())) {
      reads++;
    } else {
      writes++;
    }
    if (e.getDenied()) {
      denied++;
    }
    if (e.getImpersonationDepth() > 0) {
      impersonation++;
      if (isPerson(e.getFirstDelegate())) {
        personDelegated++;
      }
    }
    if (services.size() < MAX_NAMES) {
      services.add(e.getServiceName());
    }
    if (methods.size() < MAX_NAMES) {
      methods.add(e.getMethodName());
    }
    long m = MinuteBucketAccumulator.minuteOf(t);
    if (m > minute) {
      minute = m;
      minuteServices.clear();
    }
    if (m == minute && minuteServices.size() < MAX_NAMES) {
      minuteServices.add(e.getServiceName());
      maxServicesPerMinute = Math.max(maxServicesPerMinute, minuteServices.size());
    }
    if (GcpMethods.isPrivileged(e.getMethodName())) {
      privileged++;
      if (privilegedMethods.size() < MAX_PRIVILEGED && !privilegedMethods.contains(e.getMethodName())) {
        privilegedMethods.add(e.getMethodName());
      }
    }
    step(e, ua.command(), t);
  }

  private void client(UserAgentNormalizer.Parsed ua) {
    if (ua.interactive() != null) {
      flagged++;
      if (ua.interactive()) {
        tty++;
      }
    }
    if (Boolean.TRUE.equals(ua.fromScript())) {
      script++;
    }
    if (ua.browser()) {
      browser++;
    }
    if (ua.iac()) {
      iac++;
    }
    if (ua.gcloud()) {
      gcloud++;
    }
  }

  private void invocation(UserAgentNormalizer.Parsed ua, long t) {
    long id = hash(ua.invocationId());
    if (inInvocation && id == current) {
      within(t);
      return;
    }
    for (int i = 0; i < recentCount; i++) {
      if (recent[i] == id) {
        return; // an earlier invocation still calling
      }
    }
    remember(id);
    if (inInvocation && ua.command().equals(currentCommand) && t - currentLastMs >= 0
        && t - currentLastMs < SAME_PROCESS_MS) {
      current = id; // another HTTP client of the same process
      within(t);
      return;
    }
    invocations++;
    if (inInvocation) {
      gap(Math.max(0, t - currentLastMs));
      if (!ua.command().equals(currentCommand)) {
        commandChanges++;
      }
    }
    count(ua.command());
    inInvocation = true;
    current = id;
    currentCommand = ua.command();
    currentLastMs = t;
  }

  private void within(long t) {
    if (t >= currentLastMs) {
      withinN++;
      withinSum += (t - currentLastMs) / 1000.0;
      currentLastMs = t;
    }
  }

  private void gap(long ms) {
    int bin = 0;
    while (bin < GAP_BINS_MS.length && ms >= GAP_BINS_MS[bin]) {
      bin++;
    }
    gapBins[bin]++;
    double s = ms / 1000.0;
    gapN++;
    double delta = s - gapMean;
    gapMean += delta / gapN;
    gapM2 += delta * (s - gapMean);
    gapMax = Math.max(gapMax, s);
  }

  private void count(String command) {
    String c = command.isEmpty() ? "(none)" : command;
    Long n = commands.get(c);
    if (n != null) {
      commands.put(c, n + 1);
    } else if (commands.size() < MAX_COMMANDS) {
      commands.put(c, 1L);
    } else {
      extraCommands++;
    }
  }

  private void remember(long id) {
    recent[recentPos] = id;
    recentPos = (recentPos + 1) % RECENT_INVOCATIONS;
    recentCount = Math.min(RECENT_INVOCATIONS, recentCount + 1);
  }

  private void step(GcpAuditEntry e, String command, long t) {
    if (!e.getResourceName().equals(lastResource)) {
      lastResource = e.getResourceName();
      lastPattern = GcpMethods.resourcePattern(lastResource);
    }
    String pattern = lastPattern;
    if (!steps.isEmpty()) {
      Step last = steps.get(steps.size() - 1);
      if (last.method.equals(e.getMethodName()) && last.pattern.equals(pattern)) {
        last.calls++;
        last.denied += e.getDenied() ? 1 : 0;
        return;
      }
    }
    if (steps.size() >= MAX_STEPS) {
      return;
    }
    Step s = new Step();
    s.firstMs = t;
    s.method = e.getMethodName();
    s.pattern = pattern;
    s.command = command;
    s.calls = 1;
    s.denied = e.getDenied() ? 1 : 0;
    steps.add(s);
  }

  /** A delegate that is a person: an email that is not a service account's. */
  static boolean isPerson(String delegate) {
    return delegate.contains("@") && !delegate.endsWith(".gserviceaccount.com")
        && !delegate.startsWith("principal://");
  }

  private static long hash(String s) {
    long h = 0xcbf29ce484222325L; // FNV-1a, 64 bit
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return h;
  }

  /** Folds another unit's evidence into this one (sessions merged by a late entry); invocation gaps stay per part. */
  void merge(CallEvidenceAccumulator o) {
    calls += o.calls;
    flagged += o.flagged;
    tty += o.tty;
    script += o.script;
    browser += o.browser;
    iac += o.iac;
    gcloud += o.gcloud;
    invocations += o.invocations;
    commandChanges += o.commandChanges;
    o.commands.forEach((k, v) -> {
      if (commands.containsKey(k) || commands.size() < MAX_COMMANDS) {
        commands.merge(k, v, Long::sum);
      } else {
        extraCommands++;
      }
    });
    extraCommands += o.extraCommands;
    for (int i = 0; i < gapBins.length; i++) {
      gapBins[i] += o.gapBins[i];
    }
    if (o.gapN > 0) {
      long n = gapN + o.gapN;
      double delta = o.gapMean - gapMean;
      gapM2 += o.gapM2 + delta * delta * gapN * o.gapN / n;
      gapMean += delta * o.gapN / n;
      gapN = n;
      gapMax = Math.max(gapMax, o.gapMax);
    }
    withinN += o.withinN;
    withinSum += o.withinSum;
    reads += o.reads;
    writes += o.writes;
    denied += o.denied;
    earlyDenied = Math.min(EARLY_CALLS, earlyDenied + o.earlyDenied);
    impersonation += o.impersonation;
    personDelegated += o.personDelegated;
    o.services.forEach(s -> {
      if (services.size() < MAX_NAMES) {
        services.add(s);
      }
    });
    o.methods.forEach(m -> {
      if (methods.size() < MAX_NAMES) {
        methods.add(m);
      }
    });
    maxServicesPerMinute = Math.max(maxServicesPerMinute, o.maxServicesPerMinute);
    privileged += o.privileged;
    for (String m : o.privilegedMethods) {
      if (privilegedMethods.size() < MAX_PRIVILEGED && !privilegedMethods.contains(m)) {
        privilegedMethods.add(m);
      }
    }
    steps.addAll(o.steps);
    steps.sort(Comparator.comparingLong(s -> s.firstMs));
    while (steps.size() > MAX_STEPS) {
      steps.remove(steps.size() - 1);
    }
    firstMs = Math.min(firstMs, o.firstMs);
    if (o.inInvocation && (!inInvocation || o.currentLastMs > currentLastMs)) {
      inInvocation = true;
      current = o.current;
      currentCommand = o.currentCommand;
      currentLastMs = o.currentLastMs;
    }
  }

  GcpCallEvidence toProto() {
    GcpCallEvidence.Builder b = GcpCallEvidence.newBuilder().setCalls(calls).setFlaggedCalls(flagged)
        .setTtyCalls(tty).setScriptCalls(script).setBrowserCalls(browser).setIacCalls(iac).setGcloudCalls(gcloud)
        .setInvocations(invocations).setDistinctCommands(commands.size() + extraCommands)
        .setCommandChanges(commandChanges)
        .setInvocationGapsLt2S(gapBins[0]).setInvocationGaps210S(gapBins[1]).setInvocationGaps1040S(gapBins[2])
        .setInvocationGaps40120S(gapBins[3]).setInvocationGapsGe120S(gapBins[4])
        .setInvocationGapMeanS(gapMean).setInvocationGapMaxS(gapMax)
        .setInvocationGapCv(gapN > 1 && gapMean > 0 ? Math.sqrt(gapM2 / gapN) / gapMean : 0)
        .setWithinInvocationGaps(withinN).setWithinInvocationGapMeanS(withinN > 0 ? withinSum / withinN : 0)
        .setReadCalls(reads).setWriteCalls(writes).setDeniedCalls(denied).setEarlyDeniedCalls(earlyDenied)
        .setImpersonationCalls(impersonation).setPersonDelegatedCalls(personDelegated)
        .setDistinctServices(services.size()).setDistinctMethods(methods.size())
        .setMaxServicesPerMinute(maxServicesPerMinute).setPrivilegedCalls(privileged)
        .addAllPrivilegedMethods(privilegedMethods);
    commands.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(TOP_COMMANDS)
        .forEach(en -> b.addTopCommands(NameCount.newBuilder().setName(en.getKey()).setCount(en.getValue())));
    List<Step> ordered = new ArrayList<>(steps);
    ordered.sort(Comparator.comparingLong(s -> s.firstMs)); // a merge or a late entry can append out of order
    for (Step s : ordered) {
      b.addCallSequence(GcpCallStep.newBuilder().setOffsetS((s.firstMs - firstMs) / 1000.0).setMethod(s.method)
          .setResourcePattern(s.pattern).setCommand(s.command).setCalls(s.calls).setDenied(s.denied));
    }
    return b.build();
  }

  void writeTo(StateWriter w) {
    w.varint(calls).varint(flagged).varint(tty).varint(script).varint(browser).varint(iac).varint(gcloud)
        .varint(invocations).varint(commandChanges).varint(extraCommands);
    w.varint(commands.size());
    commands.forEach((k, v) -> w.name(k).varint(v));
    for (long g : gapBins) {
      w.varint(g);
    }
    w.varint(gapN).dbl(gapMean).dbl(gapM2).dbl(gapMax).varint(withinN).dbl(withinSum);
    w.varint(reads).varint(writes).varint(denied).varint(earlyDenied).varint(impersonation).varint(personDelegated);
    w.varint(services.size());
    services.forEach(w::name);
    w.varint(methods.size());
    methods.forEach(w::name);
    w.zigzag(minute).varint(minuteServices.size());
    minuteServices.forEach(w::name);
    w.varint(maxServicesPerMinute).varint(privileged).varint(privilegedMethods.size());
    privilegedMethods.forEach(w::name);
    w.varint(steps.size());
    for (Step s : steps) {
      w.zigzag(s.firstMs).name(s.method).name(s.pattern).name(s.command).varint(s.calls).varint(s.denied);
    }
    w.zigzag(firstMs).varint(recentCount).varint(recentPos);
    for (int i = 0; i < recentCount; i++) {
      w.zigzag(recent[i]);
    }
    w.bool(inInvocation).zigzag(current).name(currentCommand).zigzag(currentLastMs);
  }

  static CallEvidenceAccumulator readFrom(StateReader r) {
    CallEvidenceAccumulator a = new CallEvidenceAccumulator();
    a.calls = r.varint();
    a.flagged = r.varint();
    a.tty = r.varint();
    a.script = r.varint();
    a.browser = r.varint();
    a.iac = r.varint();
    a.gcloud = r.varint();
    a.invocations = r.varint();
    a.commandChanges = r.varint();
    a.extraCommands = r.varintInt();
    int n = r.varintInt();
    for (int i = 0; i < n; i++) {
      a.commands.put(r.name(), r.varint());
    }
    for (int i = 0; i < a.gapBins.length; i++) {
      a.gapBins[i] = r.varint();
    }
    a.gapN = r.varint();
    a.gapMean = r.dbl();
    a.gapM2 = r.dbl();
    a.gapMax = r.dbl();
    a.withinN = r.varint();
    a.withinSum = r.dbl();
    a.reads = r.varint();
    a.writes = r.varint();
    a.denied = r.varint();
    a.earlyDenied = r.varint();
    a.impersonation = r.varint();
    a.personDelegated = r.varint();
    n = r.varintInt();
    for (int i = 0; i < n; i++) {
      a.services.add(r.name());
    }
    n = r.varintInt();
    for (int i = 0; i < n; i++) {
      a.methods.add(r.name());
    }
    a.minute = r.zigzag();
    n = r.varintInt();
    for (int i = 0; i < n; i++) {
      a.minuteServices.add(r.name());
    }
    a.maxServicesPerMinute = r.varintInt();
    a.privileged = r.varint();
    n = r.varintInt();
    for (int i = 0; i < n; i++) {
      a.privilegedMethods.add(r.name());
    }
    n = r.varintInt();
    for (int i = 0; i < n; i++) {
      Step s = new Step();
      s.firstMs = r.zigzag();
      s.method = r.name();
      s.pattern = r.name();
      s.command = r.name();
      s.calls = r.varint();
      s.denied = r.varint();
      a.steps.add(s);
    }
    a.firstMs = r.zigzag();
    a.recentCount = r.varintInt();
    a.recentPos = r.varintInt();
    for (int i = 0; i < a.recentCount; i++) {
      a.recent[i] = r.zigzag();
    }
    a.inInvocation = r.bool();
    a.current = r.zigzag();
    a.currentCommand = r.name();
    a.currentLastMs = r.zigzag();
    return a;
  }
}
