package dev.whodrove.featurizer;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.whodrove.schemas.PrintEvents;
import dev.whodrove.schemas.redact.SecretRedactor;
import dev.whodrove.schemas.v1.BpfActivity;
import dev.whodrove.schemas.v1.CadenceFeatures;
import dev.whodrove.schemas.v1.CommandExecuted;
import dev.whodrove.schemas.v1.DiskAccess;
import dev.whodrove.schemas.v1.NetworkConnection;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.PrintChunk;
import dev.whodrove.schemas.v1.RecordingEvent;
import dev.whodrove.schemas.v1.SessionEnded;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionStarted;
import dev.whodrove.schemas.v1.TeleportAuditEvent;
import dev.whodrove.schemas.v1.TeleportFeatures;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Everything known about one Teleport session, built from its decoded recording events and, optionally, its audit
 * events: the recording features of the study's {@code whodrove-teleport} CLI, the cadence features and segments,
 * identity and server fields, and a capped
 * list of notable events (never PTY content). Memory and serialized size are bounded whatever the session length.
 *
 * <p>Text from the session (notable-event summaries, the initial command, the parse error, credentials in the
 * recording location) is redacted with the {@link SecretRedactor} as it is taken in, so neither the state store nor
 * {@code session.features} ever holds a secret the redactor recognises.
 *
 * <p>A recording delivered again (its first events repeat, or another recording URI shows up) replaces the previous
 * one: the recording side is reset and rebuilt, so nothing is counted twice. Audit metadata is kept across resets.
 *
 * <p>BPF events (session.command, session.network, session.disk) are counted on both sides, each by its own
 * {@link BpfAccumulator}: Teleport emits them to the audit log, and older recordings carry them too. The features
 * take the recording's when it has any, else the audit log's, so the same events are never counted twice.
 */
public final class TeleportSessionAccumulator {
  public static final String SUBSTRATE = "teleport-recording";
  /** Gaps between print chunks longer than this count as idle (the study's {@code whodrove-teleport} CLI). */
  public static final long IDLE_GAP_MS = 2000;
  public static final int MAX_NOTABLE_EVENTS = 32;
  /** Agent-CLI notable events kept beyond the cap, so the evidence that decided a verdict is always listed. */
  static final int MAX_AGENT_NOTABLE_EVENTS = 4;
  static final String SOURCE_AUDIT = "audit";
  static final String SOURCE_RECORDING = "recording";
  static final int MAX_SUMMARY_CHARS = 512;
  static final int MAX_LABELS = 64;
  static final int MAX_LIST = 32;
  private static final SecretRedactor REDACTOR = new SecretRedactor();

  // recording side
  private SessionFeatures.Builder rec = SessionFeatures.newBuilder();
  private boolean recordingSeen;
  /** The URI set on the recording side's features, "" before any. */
  private String recordingUri = "";
  private boolean recordingComplete;
  private boolean recordingEndSeen;
  private long lastIndex = -1;
  private long printChunks;
  private long printBytes;
  private long idleGaps;
  private long editChars;
  private long commands;
  private long joins;
  private long inputEvents;
  /** Input events that look like one typed key (see {@link #onInput}). */
  private long typedKeystrokes;
  private long prevInputDelayMs = -1;
  private long prevDelayMs = -1;
  private long droppedNotable;
  private GapSketch chunkGapsMs;
  private CadenceAccumulator cadence;
  /** BPF events of the recording; null until the recording carries one. */
  private BpfAccumulator recBpf;
  /** Kubernetes and database events of the recording; null until it carries one. */
  private KubeAccumulator recKube;
  private DatabaseAccumulator recDb;
  // audit side
  private SessionFeatures.Builder audit = SessionFeatures.newBuilder();
  private boolean auditEndSeen;
  /** BPF events of the audit log; null until one arrives. */
  private BpfAccumulator auditBpf;
  private long droppedAuditNotable;
  /** Kubernetes and database events of the audit log; null until one arrives. */
  private KubeAccumulator auditKube;
  private DatabaseAccumulator auditDb;
  private final BpfSettings bpfSettings;

  public TeleportSessionAccumulator() {
    this(BpfSettings.defaults());
  }

  public TeleportSessionAccumulator(BpfSettings bpfSettings) {
    this(new GapSketch(), new CadenceAccumulator(), bpfSettings);
  }

  private TeleportSessionAccumulator(GapSketch chunkGapsMs, CadenceAccumulator cadence, BpfSettings bpfSettings) {
    this.chunkGapsMs = chunkGapsMs;
    this.cadence = cadence;
    this.bpfSettings = bpfSettings;
  }

  /** Whether this event begins a new delivery of the recording, so the recording side must start over. */
  boolean startsNewDelivery(RecordingEvent e) {
    return startsNewDelivery(e.getRecordingUri(), e.getIndex(), e.hasComplete());
  }

  private boolean startsNewDelivery(String uri, long index, boolean complete) {
    if (!recordingSeen) {
      return false;
    }
    if (recordingComplete) {
      return true;
    }
    if (!uri.isEmpty() && !recordingUri.isEmpty() && !recordingUri.equals(uri)) {
      return true;
    }
    // indexes only grow within one delivery (the decoder drops repeats), so going backwards means it started over;
    // an equal index is not taken as a restart, so a decoder that leaves every index at 0 cannot wipe the session
    return !complete && index < lastIndex;
  }

  /** Sets the recording's URI on the features; the last one set is kept at hand, since every event carries it. */
  private void setRecordingUri(String uri) {
    if (!uri.isEmpty() && !uri.equals(recordingUri)) {
      rec.getTeleportBuilder().setRecordingUri(uri);
      recordingUri = uri;
    }
  }

  /**
   * Adds one print of the recording at {@code recordingUri} given by its numbers, as {@link #add} adds a print event
   * (the offline decoder hands prints over this way, without building events).
   */
  public void addPrint(String recordingUri, long index, long timeMs, long bytes, long delayMs, int editChars) {
    if (startsNewDelivery(recordingUri, index, false)) {
      resetRecording();
    }
    recordingSeen = true;
    setRecordingUri(recordingUri);
    onPrint(index, timeMs, bytes, delayMs, editChars);
  }

  /**
   * Adds one decoded recording event.
   *
   * @return true when the event started a new delivery and the previous recording side was discarded
   */
  public boolean add(RecordingEvent e) {
    boolean reset = startsNewDelivery(e);
    if (reset) {
      resetRecording();
    }
    recordingSeen = true;
    TeleportFeatures.Builder t = rec.getTeleportBuilder();
    setRecordingUri(e.getRecordingUri());
    if (!e.hasComplete()) {
      lastIndex = Math.max(lastIndex, e.getIndex()); // a print run's later indexes are taken in onPrint
    }
    switch (e.getEventCase()) {
      case SESSION_START -> onStart(e, e.getSessionStart());
      case SESSION_END -> onEnd(e.getSessionEnd(), e.getTimeMs());
      case PRINT, PRINTS -> PrintEvents.forEachCounts(e, this::onPrint);
      case INPUT -> onInput(e.getInput());
      case COMMAND -> {
        commands++;
        onBpf(e, recBpf(), rec);
      }
      case NETWORK, DISK -> onBpf(e, recBpf(), rec);
      case JOIN -> {
        joins++;
        notable(e, "join", e.getJoin().getUser());
      }
      case LEAVE -> notable(e, "leave", e.getLeave().getUser());
      case EXEC, KUBE_REQUEST, DB_QUERY -> onService(e, false);
      case COMPLETE -> {
        recordingComplete = true;
        t.setRecordingFormat(e.getComplete().getFormat());
        t.setRecordingBytes(e.getComplete().getObjectSizeBytes());
        t.setParseError(REDACTOR.clean(e.getComplete().getParseError()));
      }
      default -> { }
    }
    return reset;
  }

  /**
   * exec, kube.request and database query events of one side: into that side's Kubernetes or database accumulator
   * and its notable events. A query's notable event names its statement kind and length, never its text.
   */
  private void onService(RecordingEvent e, boolean fromAudit) {
    SessionFeatures.Builder side = fromAudit ? audit : rec;
    switch (e.getEventCase()) {
      case EXEC -> {
        var x = e.getExec();
        if (!x.getKubeCluster().isEmpty()) {
          (fromAudit ? auditKube() : recKube()).addExec();
        }
        addNotable(side, NotableEvent.newBuilder().setTimeMs(e.getTimeMs()).setKind("exec")
            .setSummary(REDACTOR.clean(x.getCommand() + " (exit " + x.getExitCode() + ")", MAX_SUMMARY_CHARS))
            .setRef(Long.toString(e.getIndex())), false);
      }
      case KUBE_REQUEST -> {
        var k = e.getKubeRequest();
        (fromAudit ? auditKube() : recKube()).addRequest(e.getTimeMs(), k);
        addNotable(side, NotableEvent.newBuilder().setTimeMs(e.getTimeMs()).setKind("kube")
            .setSummary(REDACTOR.clean(k.getVerb() + " " + k.getRequestPath() + " -> " + k.getResponseCode(),
                MAX_SUMMARY_CHARS)).setRef(Long.toString(e.getIndex())), false);
      }
      case DB_QUERY -> {
        var q = e.getDbQuery();
        (fromAudit ? auditDb() : recDb()).addQuery(e.getTimeMs(), q.getQuery(), q.getSuccess());
        addNotable(side, NotableEvent.newBuilder().setTimeMs(e.getTimeMs()).setKind("db")
            .setSummary(truncate(q.getDatabase()) + ": " + DatabaseAccumulator.statementKind(q.getQuery()) + " ("
                + q.getQuery().length() + " characters" + (q.getSuccess() ? "" : ", failed") + ")")
            .setRef(Long.toString(e.getIndex())), false);
      }
      default -> { }
    }
  }

  private KubeAccumulator recKube() {
    if (recKube == null) {
      recKube = new KubeAccumulator();
    }
    return recKube;
  }

  private KubeAccumulator auditKube() {
    if (auditKube == null) {
      auditKube = new KubeAccumulator();
    }
    return auditKube;
  }

  private DatabaseAccumulator recDb() {
    if (recDb == null) {
      recDb = new DatabaseAccumulator();
    }
    return recDb;
  }

  private DatabaseAccumulator auditDb() {
    if (auditDb == null) {
      auditDb = new DatabaseAccumulator();
    }
    return auditDb;
  }

  private BpfAccumulator recBpf() {
    if (recBpf == null) {
      recBpf = new BpfAccumulator(bpfSettings);
    }
    return recBpf;
  }

  private BpfAccumulator auditBpf() {
    if (auditBpf == null) {
      auditBpf = new BpfAccumulator(bpfSettings);
    }
    return auditBpf;
  }

  /** A BPF event into one side's accumulator and notable events. */
  private void onBpf(RecordingEvent e, BpfAccumulator bpf, SessionFeatures.Builder side) {
    switch (e.getEventCase()) {
      case COMMAND -> {
        CommandExecuted c = e.getCommand();
        BpfAccumulator.CommandOutcome o = bpf.addCommand(e.getTimeMs(), c);
        if (o.agentStarted() != null) {
          addNotable(side, agentNotable(e, c, o.agentStarted()), true);
        }
        addNotable(side, commandNotable(e, c), false);
      }
      case NETWORK -> {
        NetworkConnection n = e.getNetwork();
        bpf.addNetwork(n);
        addNotable(side, NotableEvent.newBuilder().setTimeMs(e.getTimeMs()).setKind("network")
            .setSummary(REDACTOR.clean(n.getProgram() + " " + n.getOperation() + " " + n.getDstAddr() + ":"
                + n.getDstPort() + (n.getAction().isEmpty() ? "" : " " + n.getAction()), MAX_SUMMARY_CHARS))
            .setRef(Long.toString(e.getIndex())).setProgram(truncate(n.getProgram()))
            .setSrcAddr(truncate(n.getSrcAddr())).setDstAddr(truncate(n.getDstAddr())).setDstPort(n.getDstPort())
            .setAction(truncate(n.getAction())).setPid(n.getPid()), false);
      }
      case DISK -> {
        DiskAccess d = e.getDisk();
        bpf.addDisk(d);
        // reads are most of a shell's opens; only writes are notable
        if ((d.getFlags() & BpfAccumulator.WRITE_FLAGS) != 0) {
          String path = REDACTOR.clean(d.getPath(), MAX_SUMMARY_CHARS);
          addNotable(side, NotableEvent.newBuilder().setTimeMs(e.getTimeMs()).setKind("disk")
              .setSummary(REDACTOR.clean(d.getProgram() + " writes " + d.getPath() + " (rc=" + d.getReturnCode() + ")",
                  MAX_SUMMARY_CHARS))
              .setRef(Long.toString(e.getIndex())).setProgram(truncate(d.getProgram())).setPath(path)
              .setFlags(d.getFlags()).setReturnCode(d.getReturnCode()).setPid(d.getPid()), false);
        }
      }
      default -> { }
    }
  }

  private static NotableEvent.Builder commandNotable(RecordingEvent e, CommandExecuted c) {
    return NotableEvent.newBuilder().setTimeMs(e.getTimeMs()).setKind("command")
        .setSummary(REDACTOR.clean(commandLine(c.getPath(), c.getProgram(), c.getArgvList()) + " (rc="
            + c.getReturnCode() + ")", MAX_SUMMARY_CHARS))
        .setRef(Long.toString(e.getIndex()))
        .setPath(REDACTOR.clean(c.getPath(), MAX_SUMMARY_CHARS))
        .addAllArgv(argv(c))
        .setReturnCode(c.getReturnCode()).setPid(c.getPid()).setPpid(c.getPpid()).setProgram(truncate(c.getProgram()));
  }

  private static NotableEvent.Builder agentNotable(RecordingEvent e, CommandExecuted c, AgentCliCatalogue.Match m) {
    return commandNotable(e, c).setKind("agent-cli").setTool(m.tool())
        .setSummary(REDACTOR.clean(m.tool() + " (" + m.matchedBy() + "): "
            + commandLine(c.getPath(), c.getProgram(), c.getArgvList()), MAX_SUMMARY_CHARS));
  }

  /** argv of a command, redacted element by element in the context of its program, capped in count and length. */
  private static List<String> argv(CommandExecuted c) {
    String program = !c.getPath().isEmpty() ? c.getPath() : c.getProgram();
    List<String> capped = c.getArgvList().stream().limit(MAX_LIST).toList();
    return REDACTOR.cleanArgv(program, capped).stream().map(TeleportSessionAccumulator::truncate).toList();
  }

  /**
   * Adds a notable event to one side, within the cap; agent-CLI events have a few places of their own beyond it.
   */
  private void addNotable(SessionFeatures.Builder side, NotableEvent.Builder n, boolean agent) {
    long agentEvents = side.getNotableEventsList().stream().filter(x -> "agent-cli".equals(x.getKind())).count();
    boolean room = agent ? agentEvents < MAX_AGENT_NOTABLE_EVENTS
        : side.getNotableEventsCount() - agentEvents < MAX_NOTABLE_EVENTS;
    if (!room) {
      if (side == rec) {
        droppedNotable++;
      } else {
        droppedAuditNotable++;
      }
      return;
    }
    side.addNotableEvents(n);
  }

  private void onStart(RecordingEvent e, SessionStarted s) {
    TeleportFeatures.Builder t = rec.getTeleportBuilder();
    if (!s.getKind().isEmpty()) {
      t.setKind(s.getKind());
    } else if (t.getKind().isEmpty()) {
      t.setKind(s.getKubeCluster().isEmpty() ? "ssh" : "kube");
    }
    rec.setUser(s.getUser());
    if (!s.getDbService().isEmpty() || "db".equals(s.getKind())) {
      recDb().protocol(s.getProtocol());
    }
    t.setLogin(s.getLogin()).setCluster(s.getCluster()).setServerId(s.getServerId())
        .setServerHostname(s.getServerHostname()).setRemoteAddr(s.getRemoteAddr());
    putLabels(t, s.getServerLabelsMap());
    t.clearInitialCommand().addAllInitialCommand(initialCommand(s.getInitialCommandList()));
    if (e.getTimeMs() > 0) {
      rec.setStartedMs(e.getTimeMs());
    }
  }

  private void onEnd(SessionEnded s, long timeMs) {
    recordingEndSeen = true;
    TeleportFeatures.Builder t = rec.getTeleportBuilder();
    if (!s.getKind().isEmpty() && t.getKind().isEmpty()) {
      t.setKind(s.getKind());
    }
    t.setInteractive(s.getInteractive());
    rec.setEndedMs(s.getEndMs() > 0 ? s.getEndMs() : timeMs);
    if (rec.getStartedMs() == 0 && s.getStartMs() > 0) {
      rec.setStartedMs(s.getStartMs());
    }
    t.clearParticipants().addAllParticipants(s.getParticipantsList().stream().limit(MAX_LIST).toList());
    if (t.getInitialCommandCount() == 0) {
      t.addAllInitialCommand(initialCommand(s.getInitialCommandList()));
    }
  }

  private void onPrint(long index, long timeMs, long bytes, long delayMs, int chunkEditChars) {
    lastIndex = Math.max(lastIndex, index);
    printChunks++;
    printBytes += bytes;
    editChars += chunkEditChars;
    if (prevDelayMs >= 0) {
      long gap = Math.max(0, delayMs - prevDelayMs);
      chunkGapsMs.addMillis(gap);
      if (gap > IDLE_GAP_MS) {
        idleGaps++;
      }
    }
    prevDelayMs = delayMs;
    long t = timeMs > 0 ? timeMs : rec.getStartedMs() + delayMs;
    cadence.add(t, bytes, chunkEditChars);
  }

  /**
   * Keyboard input (asciicast {@code "i"} events): one key is 1–4 bytes (a character, a control key, a short escape
   * sequence), and a person types the next one 30 ms–1.5 s after the last, the window keystroke echo uses. Agent
   * harnesses send whole command lines, and scripted typing comes faster than a person's fingers.
   */
  private void onInput(PrintChunk in) {
    inputEvents++;
    if (prevInputDelayMs >= 0 && GapStats.isEcho(in.getDelayMs() - prevInputDelayMs, in.getBytes())) {
      typedKeystrokes++;
    }
    prevInputDelayMs = in.getDelayMs();
  }

  private static void putLabels(TeleportFeatures.Builder t, Map<String, String> labels) {
    for (var en : labels.entrySet()) {
      if (t.getServerLabelsCount() >= MAX_LABELS) {
        break;
      }
      t.putServerLabels(truncate(en.getKey()), truncate(en.getValue()));
    }
  }

  private void notable(RecordingEvent e, String kind, String summary) {
    long agentEvents = rec.getNotableEventsList().stream().filter(x -> "agent-cli".equals(x.getKind())).count();
    if (rec.getNotableEventsCount() - agentEvents >= MAX_NOTABLE_EVENTS) {
      droppedNotable++;
      return;
    }
    // redacted before it is cut, so a secret across the cut is recognised whole
    rec.addNotableEvents(NotableEvent.newBuilder().setTimeMs(e.getTimeMs()).setKind(kind)
        .setSummary(REDACTOR.clean(summary, MAX_SUMMARY_CHARS)).setRef(Long.toString(e.getIndex())));
  }

  /**
   * The command line of a {@code session.command}: Teleport's argv leaves the program out, so the path (or program)
   * is put first unless argv already starts with it. The redactor needs it too ({@code mysql -p…}).
   */
  static String commandLine(String path, String program, List<String> argv) {
    String exe = !path.isEmpty() ? path : program;
    if (argv.isEmpty()) {
      return exe;
    }
    String first = argv.get(0);
    boolean named = exe.isEmpty() || first.equals(exe) || exe.endsWith("/" + first)
        || (!program.isEmpty() && (first.equals(program) || first.endsWith("/" + program)));
    return named ? String.join(" ", argv) : exe + " " + String.join(" ", argv);
  }

  private static List<String> initialCommand(List<String> command) {
    return REDACTOR.cleanArgv(command.stream().limit(MAX_LIST).toList());
  }

  private static String truncate(String s) {
    return s.length() <= MAX_SUMMARY_CHARS ? s : s.substring(0, MAX_SUMMARY_CHARS);
  }

  /**
   * Merges an audit event: the metadata of session.start, session.end and session.upload, and the content of the
   * events {@link AuditEventDetails} reads (BPF events); others are ignored.
   *
   * @throws IllegalArgumentException when an event the featurizer reads has unreadable JSON
   */
  public void addAudit(TeleportAuditEvent a) {
    if (AuditEventDetails.handles(a.getType())) {
      if (!a.getKind().isEmpty() && audit.getTeleport().getKind().isEmpty()) {
        audit.getTeleportBuilder().setKind(a.getKind());
      }
      if (AuditEventDetails.isPortForward(a.getType())) {
        if ("kube".equals(a.getKind())) {
          auditKube().addPortForward();
        }
        return;
      }
      if (AuditEventDetails.isDatabaseProtocolEvent(a.getType())) {
        DatabaseAccumulator db = auditDb();
        db.protocol(a.getProtocol());
        db.addProtocolEvent(a.getTimeMs(), a.getType());
        return;
      }
      RecordingEvent e = AuditEventDetails.toRecordingEvent(a);
      if (e == null) {
        return;
      }
      switch (e.getEventCase()) {
        case COMMAND, NETWORK, DISK -> onBpf(e, auditBpf(), audit);
        default -> {
          if (e.hasDbQuery()) {
            auditDb().protocol(a.getProtocol());
          }
          onService(e, true);
        }
      }
      return;
    }
    TeleportFeatures.Builder t = audit.getTeleportBuilder();
    if (!a.getUser().isEmpty()) {
      audit.setUser(a.getUser());
    }
    if (!a.getLogin().isEmpty()) {
      t.setLogin(a.getLogin());
    }
    if (!a.getCluster().isEmpty()) {
      t.setCluster(a.getCluster());
    }
    if (!a.getServerId().isEmpty()) {
      t.setServerId(a.getServerId());
    }
    if (!a.getServerHostname().isEmpty()) {
      t.setServerHostname(a.getServerHostname());
    }
    putLabels(t, a.getServerLabelsMap());
    if (!a.getKind().isEmpty()) {
      t.setKind(a.getKind());
    }
    if (!a.getRemoteAddr().isEmpty()) {
      t.setRemoteAddr(a.getRemoteAddr());
    }
    if (a.getInitialCommandCount() > 0) {
      t.clearInitialCommand().addAllInitialCommand(initialCommand(a.getInitialCommandList()));
    }
    switch (a.getType()) {
      case "session.start", "db.session.start" -> {
        if (audit.getStartedMs() == 0) {
          audit.setStartedMs(a.getTimeMs());
        }
      }
      case "session.end", "db.session.end" -> {
        auditEndSeen = true;
        t.setInteractive(a.getInteractive());
        t.clearParticipants().addAllParticipants(a.getParticipantsList().stream().limit(MAX_LIST).toList());
        if (a.getSessionStartMs() > 0) {
          audit.setStartedMs(a.getSessionStartMs());
        }
        audit.setEndedMs(a.getSessionEndMs() > 0 ? a.getSessionEndMs() : a.getTimeMs());
      }
      case "session.upload" -> {
        if (!a.getRecordingUrl().isEmpty()) {
          t.setRecordingUri(a.getRecordingUrl());
        }
        // an abandoned upload completed later, or a re-upload: the latest is when the recording became final
        t.setUploadedAtMs(Math.max(t.getUploadedAtMs(), a.getTimeMs()));
      }
      default -> { }
    }
  }

  /**
   * Whether the recording already carries events of this audit event's kind, so that the features take the
   * recording's and the audit event changes nothing (BPF, Kubernetes, database and exec events are counted from one
   * side only).
   */
  public boolean recordingCovers(String auditType) {
    if (AuditEventDetails.BPF_TYPES.contains(auditType)) {
      return recBpf != null && !recBpf.isEmpty();
    }
    if (auditType.equals("kube.request")) {
      return recKube != null && !recKube.isEmpty();
    }
    if (auditType.startsWith("db.session.")) {
      return recDb != null && !recDb.isEmpty();
    }
    if (auditType.equals("exec")) {
      return rec.getNotableEventsList().stream().anyMatch(n -> n.getKind().equals("exec"));
    }
    return false;
  }

  /** When the recording became final (the latest session.upload event), 0 when none was seen. */
  public long uploadedAtMs() {
    return audit.getTeleport().getUploadedAtMs();
  }

  public boolean recordingSeen() {
    return recordingSeen;
  }

  public boolean recordingComplete() {
    return recordingComplete;
  }

  public boolean auditEndSeen() {
    return auditEndSeen;
  }

  /** Print events so far. */
  public long printChunks() {
    return printChunks;
  }

  /** Forgets the recording side (a new delivery replaces it); audit metadata stays. */
  public void resetRecording() {
    rec = SessionFeatures.newBuilder();
    recordingUri = "";
    recordingSeen = false;
    recordingComplete = false;
    recordingEndSeen = false;
    lastIndex = -1;
    printChunks = 0;
    printBytes = 0;
    idleGaps = 0;
    editChars = 0;
    commands = 0;
    joins = 0;
    inputEvents = 0;
    typedKeystrokes = 0;
    prevInputDelayMs = -1;
    prevDelayMs = -1;
    droppedNotable = 0;
    chunkGapsMs = new GapSketch();
    cadence = new CadenceAccumulator();
    recBpf = null;
    recKube = null;
    recDb = null;
  }

  /**
   * The feature record for the session as known now. {@code recording_present} is true only for a complete
   * recording; revision and computed_at are left for the caller.
   */
  public SessionFeatures build(String sessionId) {
    TeleportFeatures r = rec.getTeleport();
    TeleportFeatures a = audit.getTeleport();
    TeleportFeatures.Builder t = TeleportFeatures.newBuilder()
        // the recording knows the kind best; the audit log knows identity and server best (as the
        // study's whodrove-teleport CLI does)
        .setKind(first(r.getKind(), a.getKind(), "ssh"))
        .setLogin(first(a.getLogin(), r.getLogin()))
        .setCluster(first(a.getCluster(), r.getCluster()))
        .setServerId(first(a.getServerId(), r.getServerId()))
        .setServerHostname(first(a.getServerHostname(), r.getServerHostname()))
        .putAllServerLabels(a.getServerLabelsCount() > 0 ? a.getServerLabelsMap() : r.getServerLabelsMap())
        .setRemoteAddr(first(a.getRemoteAddr(), r.getRemoteAddr()))
        .addAllInitialCommand(r.getInitialCommandCount() > 0 ? r.getInitialCommandList() : a.getInitialCommandList())
        .addAllParticipants(r.getParticipantsCount() > 0 ? r.getParticipantsList() : a.getParticipantsList())
        .setRecordingPresent(recordingComplete)
        .setRecordingUri(REDACTOR.cleanUri(first(r.getRecordingUri(), a.getRecordingUri())))
        .setRecordingFormat(r.getRecordingFormat())
        .setRecordingBytes(r.getRecordingBytes())
        .setUploadedAtMs(a.getUploadedAtMs())
        .setParseError(r.getParseError());
    boolean interactive = recordingEndSeen ? r.getInteractive() : a.getInteractive();
    boolean pty = printChunks > 0;
    // the recording's BPF events when it carries any, else the audit log's: never both
    boolean recHasBpf = recBpf != null && !recBpf.isEmpty();
    BpfAccumulator bpf = recHasBpf ? recBpf : auditBpf != null && !auditBpf.isEmpty() ? auditBpf : null;
    t.setInteractive(interactive)
        .setPtyPresent(pty)
        .setPrintChunks(printChunks)
        .setPrintBytes(printBytes)
        .setMedianChunkGapMs(chunkGapsMs.quantile(0.5))
        .setIdleGapCount(idleGaps)
        .setEditCharCount(editChars)
        .setCommandCount(bpf != null ? bpf.commands : commands)
        .setBpfPresent(bpf != null || commands > 0)
        .setSingleShot(!pty && joins == 0 && !interactive)
        .setJoinCount(joins)
        .setInputEvents(inputEvents)
        .setTypedKeystrokes(typedKeystrokes);
    if (bpf != null) {
      t.setBpf(bpf.features(recHasBpf ? SOURCE_RECORDING : SOURCE_AUDIT));
    }
    boolean recHasKube = recKube != null && !recKube.isEmpty();
    if (recHasKube || auditKube != null && !auditKube.isEmpty()) {
      t.setKube(recHasKube ? recKube.features(SOURCE_RECORDING) : auditKube.features(SOURCE_AUDIT));
    }
    boolean recHasDb = recDb != null && !recDb.isEmpty();
    if (recHasDb || auditDb != null && !auditDb.isEmpty()) {
      t.setDb(recHasDb ? recDb.features(SOURCE_RECORDING) : auditDb.features(SOURCE_AUDIT));
    }
    long started = rec.getStartedMs() > 0 ? rec.getStartedMs() : audit.getStartedMs();
    long ended = rec.getEndedMs() > 0 ? rec.getEndedMs() : audit.getEndedMs();
    CadenceFeatures cf = cadence.features();
    SessionFeatures.Builder out = SessionFeatures.newBuilder()
        .setSessionId(sessionId)
        .setSubstrate(SUBSTRATE)
        .setUser(first(audit.getUser(), rec.getUser()))
        .setStartedMs(started)
        .setEndedMs(Math.max(ended, started))
        .setTeleport(t)
        .addAllNotableEvents(notableEvents(recHasBpf, recHasKube, recHasDb));
    if (recordingSeen) {
      out.setCadence(cf).addAllSegments(cadence.segments());
    }
    return out.build();
  }

  /**
   * The recording's notable events, with the audit log's merged in by time when there are any to take (of each kind
   * only when the recording carried none of it), within the cap.
   */
  private List<NotableEvent> notableEvents(boolean recHasBpf, boolean recHasKube, boolean recHasDb) {
    boolean recHasExec = rec.getNotableEventsList().stream().anyMatch(n -> n.getKind().equals("exec"));
    List<NotableEvent> fromAudit = audit.getNotableEventsList().stream().filter(n -> switch (n.getKind()) {
      case "command", "network", "disk", "agent-cli" -> !recHasBpf;
      case "kube" -> !recHasKube;
      case "db" -> !recHasDb;
      case "exec" -> !recHasExec;
      default -> true;
    }).toList();
    if (fromAudit.isEmpty()) {
      return rec.getNotableEventsList();
    }
    List<NotableEvent> all = new ArrayList<>(rec.getNotableEventsList());
    all.addAll(fromAudit);
    all.sort(Comparator.comparingLong(NotableEvent::getTimeMs)); // stable: same-time events keep their order
    List<NotableEvent> out = new ArrayList<>();
    int plain = 0;
    int agent = 0;
    for (NotableEvent n : all) {
      if ("agent-cli".equals(n.getKind()) ? agent++ < MAX_AGENT_NOTABLE_EVENTS : plain++ < MAX_NOTABLE_EVENTS) {
        out.add(n);
      }
    }
    return out;
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return "";
  }

  /** Notable events not kept because of the cap. */
  public long droppedNotableEvents() {
    return droppedNotable;
  }

  /**
   * Version of {@link #toBytes}: 2 carries cadence state format 2 (activity counters, echo series), 3 adds the typed
   * keystrokes after it, 4 the BPF, Kubernetes and database accumulators of both sides (audit-side notable events
   * travel in the audit builder). Versions 1 to 3 are still read (typed keystrokes then count from 0; version 1's cadence activity fields
   * are reported unset; BPF counting starts from the next event).
   */
  static final int STATE_VERSION = 4;

  public byte[] toBytes() {
    StateWriter w = new StateWriter();
    w.varint(STATE_VERSION);
    w.bytes(rec.build().toByteArray()).bytes(audit.build().toByteArray());
    w.bool(recordingSeen).bool(recordingComplete).bool(recordingEndSeen).bool(auditEndSeen);
    w.zigzag(lastIndex).varint(printChunks).varint(printBytes).varint(idleGaps).varint(editChars).varint(commands)
        .varint(joins).varint(inputEvents).zigzag(prevDelayMs).varint(droppedNotable);
    w.bytes(chunkGapsMs.encode());
    cadence.writeTo(w);
    w.varint(typedKeystrokes).zigzag(prevInputDelayMs);
    writeBpf(w, recBpf);
    writeBpf(w, auditBpf);
    w.varint(droppedAuditNotable);
    for (KubeAccumulator k : new KubeAccumulator[] {recKube, auditKube}) {
      w.bool(k != null);
      if (k != null) {
        k.writeTo(w);
      }
    }
    for (DatabaseAccumulator d : new DatabaseAccumulator[] {recDb, auditDb}) {
      w.bool(d != null);
      if (d != null) {
        d.writeTo(w);
      }
    }
    return w.toByteArray();
  }

  private static void writeBpf(StateWriter w, BpfAccumulator bpf) {
    w.bool(bpf != null);
    if (bpf != null) {
      bpf.writeTo(w);
    }
  }

  public static TeleportSessionAccumulator fromBytes(byte[] bytes) {
    return fromBytes(bytes, BpfSettings.defaults());
  }

  public static TeleportSessionAccumulator fromBytes(byte[] bytes, BpfSettings settings) {
    StateReader r = new StateReader(bytes);
    long version = r.varint();
    if (version < 1 || version > STATE_VERSION) {
      throw new IllegalStateException("unknown teleport session state version " + version);
    }
    SessionFeatures.Builder rec;
    SessionFeatures.Builder audit;
    try {
      rec = SessionFeatures.parseFrom(r.bytes()).toBuilder();
      audit = SessionFeatures.parseFrom(r.bytes()).toBuilder();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt teleport session state", e);
    }
    boolean[] flags = {r.bool(), r.bool(), r.bool(), r.bool()};
    long[] n = new long[10];
    n[0] = r.zigzag();
    for (int i = 1; i < 8; i++) {
      n[i] = r.varint();
    }
    n[8] = r.zigzag();
    n[9] = r.varint();
    GapSketch chunkGaps = GapSketch.decode(r.bytes());
    TeleportSessionAccumulator s = new TeleportSessionAccumulator(chunkGaps,
        CadenceAccumulator.readFrom(r, version == 1 ? 1 : CadenceAccumulator.FORMAT), settings);
    if (version >= 3) {
      s.typedKeystrokes = r.varint();
      s.prevInputDelayMs = r.zigzag();
    }
    if (version >= 4) {
      s.recBpf = r.bool() ? BpfAccumulator.readFrom(r, settings) : null;
      s.auditBpf = r.bool() ? BpfAccumulator.readFrom(r, settings) : null;
      s.droppedAuditNotable = r.varint();
      s.recKube = r.bool() ? KubeAccumulator.readFrom(r) : null;
      s.auditKube = r.bool() ? KubeAccumulator.readFrom(r) : null;
      s.recDb = r.bool() ? DatabaseAccumulator.readFrom(r) : null;
      s.auditDb = r.bool() ? DatabaseAccumulator.readFrom(r) : null;
    }
    s.rec = rec;
    s.recordingUri = rec.getTeleport().getRecordingUri();
    s.audit = audit;
    s.recordingSeen = flags[0];
    s.recordingComplete = flags[1];
    s.recordingEndSeen = flags[2];
    s.auditEndSeen = flags[3];
    s.lastIndex = n[0];
    s.printChunks = n[1];
    s.printBytes = n[2];
    s.idleGaps = n[3];
    s.editChars = n[4];
    s.commands = n[5];
    s.joins = n[6];
    s.inputEvents = n[7];
    s.prevDelayMs = n[8];
    s.droppedNotable = n[9];
    return s;
  }
}
