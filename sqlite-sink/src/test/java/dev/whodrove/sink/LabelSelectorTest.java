package dev.whodrove.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {
  @Test
  void emptyMatchesEverything() {
    assertThat(LabelSelector.parse("").requirements()).isEmpty();
    assertThat(LabelSelector.parse("   ").isEmpty()).isTrue();
    assertThat(LabelSelector.parse(null).matches(Map.of())).isTrue();
  }

  @Test
  void parsesRequirementsInOrder() {
    assertThat(LabelSelector.parse("operator.type=human").requirements())
        .containsExactly(new LabelSelector.Requirement("operator.type", "human"));
    assertThat(LabelSelector.parse("operator.type=agent,agent.tool=claude-code").requirements()).hasSize(2);
    LabelSelector s = LabelSelector.parse(" a = b , c = d ");
    assertThat(s.requirements()).hasSize(2);
    assertThat(s.requirements().get(0).key()).isEqualTo("a");
    assertThat(s.requirements().get(0).value()).isEqualTo("b");
    assertThat(s.toString()).isEqualTo("a=b,c=d");
  }

  @Test
  void valueMayContainEqualsAndEmptyTokensAreSkipped() {
    assertThat(LabelSelector.parse("k=v=w,,").requirements())
        .containsExactly(new LabelSelector.Requirement("k", "v=w"));
  }

  @Test
  void rejectsMalformedRequirementsWithWhodrovesMessages() {
    assertThatThrownBy(() -> LabelSelector.parse("trailing,")).isInstanceOf(LabelSelector.SelectorException.class)
        .hasMessage("invalid requirement \"trailing\" (want k=v)");
    assertThatThrownBy(() -> LabelSelector.parse("noequals")).hasMessage("invalid requirement \"noequals\" (want k=v)");
    assertThatThrownBy(() -> LabelSelector.parse("=novalue")).hasMessage("invalid requirement \"=novalue\" (want k=v)");
    assertThatThrownBy(() -> LabelSelector.parse("k=")).hasMessage("invalid requirement \"k=\" (want k=v)");
    assertThatThrownBy(() -> LabelSelector.parse(" =x")).hasMessage("invalid requirement \"=x\" (want k=v)");
    assertThatThrownBy(() -> LabelSelector.parse("k = ,x=y")).hasMessage("invalid requirement \"k =\" (want k=v)");
    assertThatThrownBy(() -> LabelSelector.parse("k =  x , =")).hasMessage("invalid requirement \"=\" (want k=v)");
    assertThatThrownBy(() -> LabelSelector.parse(" a=b, c= ")).hasMessage("invalid requirement \"c=\" (want k=v)");
    assertThatThrownBy(() -> LabelSelector.parse("  x =  ,")).hasMessage("invalid requirement \"x =\" (want k=v)");
    assertThatThrownBy(() -> LabelSelector.parse("k=v,k=w")).hasMessage("duplicate key \"k\" in selector");
    assertThatThrownBy(() -> LabelSelector.parse(" k =v, k= w")).hasMessage("duplicate key \"k\" in selector");
  }

  @Test
  void trimsUnicodeSpaceLikeWhodrove() {
    assertThatThrownBy(() -> LabelSelector.parse("  \t=v")).hasMessage("invalid requirement \"=v\" (want k=v)");
    assertThatThrownBy(() -> LabelSelector.parse("k= \u00a0")).hasMessage("invalid requirement \"k=\" (want k=v)");
    assertThat(LabelSelector.parse("\u2003k\u00a0=\u00a0v ").requirements())
        .containsExactly(new LabelSelector.Requirement("k", "v"));
    assertThat(LabelSelector.parse("\u0001k=v").requirements().get(0).key()).isEqualTo("\u0001k");
  }

  @Test
  void matchesWithAndSemantics() {
    LabelSelector s = LabelSelector.parse("operator.type=agent,agent.tool=codex");
    assertThat(s.matches(Map.of("operator.type", "agent", "agent.tool", "codex", "x", "y"))).isTrue();
    assertThat(s.matches(Map.of("operator.type", "agent"))).isFalse();
  }
}
