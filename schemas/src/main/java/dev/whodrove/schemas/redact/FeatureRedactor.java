package dev.whodrove.schemas.redact;

import dev.whodrove.schemas.v1.Label;
import dev.whodrove.schemas.v1.NotableEvent;
import dev.whodrove.schemas.v1.SessionFeatures;
import dev.whodrove.schemas.v1.SessionVerdict;
import dev.whodrove.schemas.v1.TeleportFeatures;
import java.util.List;

/**
 * Applies the {@link SecretRedactor} to every field of a feature record or verdict that can hold text from the
 * session: notable-event summaries, paths and argv (exec strings, database queries, Kubernetes request paths), the initial
 * command, the recording location's credentials, the decoder's parse error, and (verdicts) label values. The
 * featurizer redacts as it builds; the classifier and the sink pass what they write through here again, so a record
 * from an older featurizer or another writer is cleaned too. Returns the same instance when nothing changed.
 */
public final class FeatureRedactor {
  private final SecretRedactor redactor;

  public FeatureRedactor() {
    this(new SecretRedactor());
  }

  public FeatureRedactor(SecretRedactor redactor) {
    this.redactor = redactor;
  }

  public SessionFeatures redact(SessionFeatures f) {
    SessionFeatures.Builder b = null;
    for (int i = 0; i < f.getNotableEventsCount(); i++) {
      NotableEvent e = f.getNotableEvents(i);
      NotableEvent r = redact(e);
      if (r != e) {
        b = b == null ? f.toBuilder() : b;
        b.setNotableEvents(i, r);
      }
    }
    if (f.hasTeleport()) {
      TeleportFeatures t = f.getTeleport();
      TeleportFeatures r = redact(t);
      if (r != t) {
        b = b == null ? f.toBuilder() : b;
        b.setTeleport(r);
      }
    }
    return b == null ? f : b.build();
  }

  /** A notable event's summary, path and argv (element by element, in the context of its program). */
  private NotableEvent redact(NotableEvent e) {
    String summary = redactor.clean(e.getSummary());
    String path = redactor.clean(e.getPath());
    List<String> argv = redactor.cleanArgv(e.getPath().isEmpty() ? e.getProgram() : e.getPath(), e.getArgvList());
    if (summary.equals(e.getSummary()) && path.equals(e.getPath()) && argv.equals(e.getArgvList())) {
      return e;
    }
    return e.toBuilder().setSummary(summary).setPath(path).clearArgv().addAllArgv(argv).build();
  }

  private TeleportFeatures redact(TeleportFeatures t) {
    List<String> command = redactor.cleanArgv(t.getInitialCommandList());
    String uri = redactor.cleanUri(t.getRecordingUri());
    String parseError = redactor.clean(t.getParseError());
    String agentCommand = t.getBpf().getAgentCli().getCommandLine();
    String agentClean = redactor.clean(agentCommand);
    if (command.equals(t.getInitialCommandList()) && uri.equals(t.getRecordingUri())
        && parseError.equals(t.getParseError()) && agentClean.equals(agentCommand)) {
      return t;
    }
    TeleportFeatures.Builder b = t.toBuilder().clearInitialCommand().addAllInitialCommand(command).setRecordingUri(uri)
        .setParseError(parseError);
    if (!agentClean.equals(agentCommand)) {
      b.getBpfBuilder().getAgentCliBuilder().setCommandLine(agentClean);
    }
    return b.build();
  }

  /** The verdict with its features and its label values redacted. */
  public SessionVerdict redact(SessionVerdict v) {
    SessionVerdict.Builder b = null;
    if (v.hasFeatures()) {
      SessionFeatures f = redact(v.getFeatures());
      if (f != v.getFeatures()) {
        b = v.toBuilder().setFeatures(f);
      }
    }
    for (int i = 0; i < v.getLabelsCount(); i++) {
      Label l = v.getLabels(i);
      String value = redactor.clean(l.getValue());
      if (!value.equals(l.getValue())) {
        b = b == null ? v.toBuilder() : b;
        b.setLabels(i, l.toBuilder().setValue(value));
      }
    }
    return b == null ? v : b.build();
  }
}
