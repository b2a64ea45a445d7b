package dev.whodrove.featurizer;

/**
 * What the BPF features need beyond the events: which executions are coding-agent CLIs, and which addresses are
 * model-provider endpoints.
 */
public record BpfSettings(AgentCliCatalogue agents, ProviderEndpoints providers) {
  public static BpfSettings defaults() {
    return DEFAULTS;
  }

  private static final BpfSettings DEFAULTS = new BpfSettings(AgentCliCatalogue.defaults(), ProviderEndpoints.defaults());
}
