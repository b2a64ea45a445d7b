package dev.whodrove.sink;

import java.util.Collection;
import java.util.Map;

/** The little JSON the store writes (payloads, top-N lists, score maps); no library needed for flat objects. */
final class Json {
  private Json() {}

  static String string(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** A flat object; values may be strings, numbers, booleans or null. */
  static String object(Map<String, ?> fields) {
    StringBuilder b = new StringBuilder("{");
    fields.forEach((k, v) -> {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append(string(k)).append(':').append(value(v));
    });
    return b.append('}').toString();
  }

  /** An array of strings, or null when empty (the study CLIs store empty values as NULL). */
  static String stringsOrNull(Collection<String> items) {
    if (items.isEmpty()) {
      return null;
    }
    StringBuilder b = new StringBuilder("[");
    for (String s : items) {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append(string(s));
    }
    return b.append(']').toString();
  }

  private static String value(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Number || v instanceof Boolean) {
      if (v instanceof Double d && (d.isNaN() || d.isInfinite())) {
        return "null";
      }
      return v.toString();
    }
    return string(v.toString());
  }
}
