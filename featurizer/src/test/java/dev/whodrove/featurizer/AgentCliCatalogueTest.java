package dev.whodrove.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recognising agent CLIs among BPF executions, and shell wrappers. */
class AgentCliCatalogueTest {
  private final AgentCliCatalogue c = AgentCliCatalogue.defaults();

  private String tool(String path, String program, String... argv) {
    AgentCliCatalogue.Match m = c.match(path, program, List.of(argv));
    return m == null ? null : m.tool();
  }

  @Test
  void eachToolAsProgramOrScript() {
    assertThat(tool("/usr/local/bin/claude", "claude")).isEqualTo("claude-code");
    assertThat(tool("/home/u/.local/bin/claude", "claude", "-p", "fix the tests")).isEqualTo("claude-code");
    assertThat(tool("/usr/bin/node", "node", "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js"))
        .isEqualTo("claude-code");
    assertThat(tool("/usr/bin/node", "node", "--no-warnings", "/usr/local/bin/claude")).isEqualTo("claude-code");
    assertThat(tool("/usr/local/bin/codex", "codex")).isEqualTo("codex");
    assertThat(tool("/usr/lib/node_modules/@openai/codex/vendor/x86_64-unknown-linux-musl/codex/codex-x86_64-unknown-linux-musl",
        "codex-x86_64-un")).isEqualTo("codex");
    assertThat(tool("/usr/bin/npx", "npx", "-y", "@openai/codex@latest")).isEqualTo("codex");
    assertThat(tool("/usr/bin/node", "node", "/usr/lib/node_modules/@google/gemini-cli/dist/index.js"))
        .isEqualTo("gemini-cli");
    assertThat(tool("/usr/bin/python3.12", "python3.12", "-m", "aider", "--model", "x")).isEqualTo("aider");
    assertThat(tool("/usr/bin/python3", "python3", "/home/u/.local/bin/aider")).isEqualTo("aider");
    assertThat(tool("/home/u/.local/bin/cursor-agent", "cursor-agent")).isEqualTo("cursor");
    assertThat(tool("/usr/local/bin/opencode", "opencode")).isEqualTo("opencode");
    assertThat(tool("/usr/local/bin/goose", "goose", "session")).isEqualTo("goose");
  }

  @Test
  void ordinaryProgramsAreNone() {
    assertThat(tool("/usr/bin/node", "node", "server.js")).isNull();
    assertThat(tool("/usr/bin/python3", "python3", "manage.py", "runserver")).isNull();
    assertThat(tool("/usr/bin/vim", "vim", "claude.md")).isNull(); // not an interpreter: its arguments do not count
    assertThat(tool("/usr/bin/git", "git", "clone", "https://github.com/openai/codex")).isNull();
    assertThat(tool("/usr/bin/claude-notes", "claude-notes")).isNull();
  }

  @Test
  void configuredEntriesExtendTheList(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("more.txt");
    Files.writeString(f, "# ours\nin-house  program  helper-agent\nin-house script ha-cli\ninterpreter ruby\n");
    AgentCliCatalogue more = AgentCliCatalogue.withFile(f);
    assertThat(more.match("/opt/helper-agent", "helper-agent", List.of()).tool()).isEqualTo("in-house");
    assertThat(more.match("/usr/bin/ruby", "ruby", List.of("/opt/ha-cli/bin/run.rb")).matchedBy())
        .isEqualTo("script:ha-cli");
    assertThat(more.match("/usr/local/bin/claude", "claude", List.of()).tool()).isEqualTo("claude-code");
    Files.writeString(f, "broken line here too\n");
    assertThatThrownBy(() -> AgentCliCatalogue.withFile(f)).hasMessageContaining("line 1");
  }

  @Test
  void shellWrappers() {
    assertThat(ShellScript.of("/bin/bash", "bash", List.of("-c", "ls -la"))).isNotNull();
    assertThat(ShellScript.of("/bin/bash", "bash", List.of("-lc", "cd src && make")).compound()).isTrue();
    assertThat(ShellScript.of("/usr/bin/zsh", "zsh", List.of("-c", "-l", "cat <<EOF > f\nx\nEOF")).heredoc()).isTrue();
    assertThat(ShellScript.of("/bin/sh", "sh", List.of("-c", "cat <<<\"$x\"")).heredoc()).isFalse();
    assertThat(ShellScript.of("/bin/bash", "bash", List.of("script.sh", "-c"))).isNull();
    assertThat(ShellScript.of("/bin/bash", "bash", List.of("--login"))).isNull();
    assertThat(ShellScript.of("/usr/bin/python3", "python3", List.of("-c", "print(1)"))).isNull();
  }

  @Test
  void providerEndpoints() {
    ProviderEndpoints p = ProviderEndpoints.defaults();
    assertThat(p.matches("160.79.104.10")).isTrue();
    assertThat(p.matches("160.79.105.255")).isTrue();
    assertThat(p.matches("160.79.106.1")).isFalse();
    assertThat(p.matches("2607:6bc0::10")).isTrue();
    assertThat(p.matches("::ffff:160.79.104.7")).isTrue();
    assertThat(p.matches("not-an-ip")).isFalse();
    ProviderEndpoints custom = ProviderEndpoints.parse(List.of("10.0.0.0/8", "192.0.2.7", "api.example"),
        h -> List.of(new byte[] {(byte) 203, 0, 113, 9}));
    assertThat(custom.matches("10.200.1.1")).isTrue();
    assertThat(custom.matches("192.0.2.7")).isTrue();
    assertThat(custom.matches("192.0.2.8")).isFalse();
    assertThat(custom.matches("203.0.113.9")).isTrue();
    assertThatThrownBy(() -> ProviderEndpoints.parse(List.of("10.0.0.0/33"), h -> List.of()))
        .hasMessageContaining("10.0.0.0/33");
  }
}
