package dev.whodrove.sink;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Kubernetes-style equality selector, {@code k=v,k=v}, parsed exactly as the study CLIs parse it: requirements
 * are
 * ANDed; the empty selector matches every session; a key may appear once; the value is everything after the first
 * {@code =} (so it may contain {@code =}). There are no {@code !=}, set or existence operators.
 */
public record LabelSelector(List<Requirement> requirements) {
  /** One {@code key=value} requirement. */
  public record Requirement(String key, String value) {}

  /** Thrown for a selector that does not parse; the message is fit to show the user as is. */
  public static final class SelectorException extends IllegalArgumentException {
    public SelectorException(String message) {
      super(message);
    }
  }

  public static final LabelSelector ALL = new LabelSelector(List.of());

  public LabelSelector {
    requirements = List.copyOf(requirements);
  }

  /** Parses {@code k=v[,k=v…]}; blank text gives {@link #ALL}. */
  public static LabelSelector parse(String text) {
    if (text == null || trim(text).isEmpty()) {
      return ALL;
    }
    List<Requirement> reqs = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String raw : trim(text).split(",", -1)) {
      String token = trim(raw);
      if (token.isEmpty()) {
        continue;
      }
      int eq = token.indexOf('=');
      if (eq <= 0 || eq == token.length() - 1) {
        throw new SelectorException("invalid requirement \"" + token + "\" (want k=v)");
      }
      String key = trim(token.substring(0, eq));
      String value = trim(token.substring(eq + 1));
      if (key.isEmpty() || value.isEmpty()) {
        throw new SelectorException("invalid requirement \"" + token + "\" (empty key or value)");
      }
      if (!seen.add(key)) {
        throw new SelectorException("duplicate key \"" + key + "\" in selector");
      }
      reqs.add(new Requirement(key, value));
    }
    return reqs.isEmpty() ? ALL : new LabelSelector(reqs);
  }

  /** Trims white space as the study CLIs do (Unicode spaces, not control characters as {@link String#trim}). */
  static String trim(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isSpace(s.charAt(start))) {
      start++;
    }
    while (end > start && isSpace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(start, end);
  }

  private static boolean isSpace(char c) {
    return switch (c) {
      case '\t', '\n', '\u000b', '\f', '\r', ' ', '\u0085', '\u00a0' -> true;
      default -> c > 0xff && Character.isSpaceChar(c);
    };
  }

  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  /** Whether a session with these labels is selected. */
  public boolean matches(Map<String, String> labels) {
    for (Requirement r : requirements) {
      if (!r.value().equals(labels.get(r.key()))) {
        return false;
      }
    }
    return true;
  }

  /** Canonical text form, {@code k=v,k=v}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Requirement r : requirements) {
      if (b.length() > 0) {
        b.append(',');
      }
      b.append(r.key()).append('=').append(r.value());
    }
    return b.toString();
  }
}
