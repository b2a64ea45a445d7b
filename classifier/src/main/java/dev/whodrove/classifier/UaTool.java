package dev.whodrove.classifier;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The user-agent fingerprint of the study's {@code whodrove-gcp} CLI: plain substring/prefix tests on the lower-cased
 * UA, most specific first, so an
 * agent that wraps the Cloud SDK is named by the agent, not by gcloud.
 */
public final class UaTool {
  public static final String UNKNOWN = "unknown";
  /** Tools that are themselves coding agents. */
  public static final Set<String> AGENT_TOOLS = Set.of("claude-code", "claude-cli", "codex-cli", "cursor");

  private UaTool() {}

  public static String classify(String ua) {
    if (ua == null || ua.isEmpty()) {
      return UNKNOWN;
    }
    String u = ua.toLowerCase(Locale.ROOT);
    if (u.contains("claude-code")) {
      return "claude-code";
    }
    if (u.contains("claudecli") || u.contains("claude-cli")) {
      return "claude-cli";
    }
    if (u.contains("codex-cli") || u.contains("codex/")) {
      return "codex-cli";
    }
    if (u.contains("cursor/") || u.contains("cursor-")) {
      return "cursor";
    }
    if (u.startsWith("terraform/") || u.contains("terraform-provider-google")) {
      return "terraform";
    }
    if (u.contains("pulumi/") || u.contains("pulumi-")) {
      return "pulumi";
    }
    if (u.startsWith("kubectl/")) {
      return "kubectl";
    }
    if (u.contains("client-go/")) {
      return "client-go";
    }
    if (u.startsWith("boto3/") || u.contains("botocore/")) {
      return "boto3";
    }
    if (u.contains("google-cloud-sdk") || u.startsWith("gcloud/") || u.contains(" gcloud/")) {
      return "gcloud";
    }
    return UNKNOWN;
  }

  /**
   * The tool of a session that saw several user agents: an agent tool if any UA names one (first in list order),
   * else the sample UA's tool, else the first UA that names any tool.
   */
  public static String forSession(String sampleUa, List<String> userAgents) {
    for (String ua : userAgents) {
      String t = classify(ua);
      if (isAgentTool(t)) {
        return t;
      }
    }
    String sample = classify(sampleUa);
    if (!UNKNOWN.equals(sample)) {
      return sample;
    }
    for (String ua : userAgents) {
      String t = classify(ua);
      if (!UNKNOWN.equals(t)) {
        return t;
      }
    }
    return UNKNOWN;
  }

  public static boolean isAgentTool(String tool) {
    return AGENT_TOOLS.contains(tool);
  }
}
