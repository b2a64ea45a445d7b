package dev.whodrove.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Hostile variants of real JSON samples that stay JSON: one value somewhere in the document (a field of a nested
 * object, an array element, the root) replaced by a hostile one, or a field removed. Unlike byte edits, which mostly
 * end at the JSON syntax check, these reach the parser's own checks of fields, types, times and sizes.
 */
public final class HostileJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MARK = "\u0001hostile\u0001";

  private HostileJson() {}

  /**
   * Replacement values as JSON text: huge, negative and fractional numbers, every JSON type, timestamps at and past
   * the edges, strings with odd Unicode (escaped lone surrogates, NUL, bidirectional overrides), long strings and
   * deep nesting on both sides of a 200-level limit.
   */
  public static final List<String> VALUES = List.of(
      "99999999999999999999999999999999999999", "-99999999999999999999", "9223372036854775807",
      "-9223372036854775808", "-1", "0", "1.5e308", "-1.5e308", "1e-400", "-0.0", "0.1", "null", "true", "false",
      "[]", "{}", "\"\"", "\" \"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\\ud800x\"", "\"\\u202e\\u0000/..\"",
      "\"../../../../etc/passwd\"", "\"%2e%2e/%2e%2e/x\"", "\"a/./b\"", "\"\ud83d\ude00\u0301\u0301\u0301\"",
      "\"+999999999-12-31T23:59:59Z\"", "\"-999999999-01-01T00:00:00Z\"", "\"1970-01-01T00:00:00Z\"",
      "\"1969-12-31T23:59:59.999Z\"", "\"2999-01-01T00:00:00Z\"", "\"2024-05-01T10:00:00+18:01\"",
      "\"2024-05-01T10:00:00.1234567890123Z\"", "\"2024-05-01 10:00:00\"", "\"9999999999\"", "\"not a time\"",
      "[1,[2,[3]]]", "{\"a\":{\"b\":{\"c\":null}}}", "[\"x\",1,null,{}]",
      "\"" + "x".repeat(70_000) + "\"", "\"" + "\\\\".repeat(5_000) + "\"",
      "[".repeat(150) + "]".repeat(150), "[".repeat(250) + "]".repeat(250),
      "{\"a\":".repeat(199) + "1" + "}".repeat(199), "{\"a\":".repeat(400) + "1" + "}".repeat(400));

  /** One change to a JSON document. */
  public record Change(int node, int value, boolean remove) {
    @Override
    public String toString() {
      String v = VALUES.get(value);
      return remove ? "Remove[node=" + node + "]"
          : "Replace[node=" + node + ", with=" + (v.length() <= 48 ? v : v.substring(0, 48) + "… (" + v.length()
              + " chars)") + "]";
    }
  }

  /** A sample after its changes. */
  public record Variant(int sample, List<Change> changes, byte[] bytes) {
    @Override
    public String toString() {
      return "Variant[sample=" + sample + ", changes=" + changes + ", " + bytes.length + " bytes]";
    }
  }

  /** Samples with one to three changes, one change in four a removal; every sample must be a JSON document. */
  public static Gen<Variant> variants(List<byte[]> samples) {
    List<JsonNode> trees = new ArrayList<>();
    for (byte[] s : samples) {
      try {
        trees.add(JSON.readTree(s));
      } catch (IOException e) {
        throw new UncheckedIOException("sample is not JSON", e);
      }
    }
    Gen<List<Change>> changes = ((Gen<Change>) r -> new Change(r.nextInt(10_001), r.nextInt(VALUES.size()),
        r.nextInt(4) == 0)).list(1, 3);
    return r -> {
      int i = r.nextInt(trees.size());
      List<Change> cs = changes.next(r);
      return new Variant(i, cs, apply(trees.get(i), cs));
    };
  }

  /** The document with the changes applied, each to the node at its position in document order. */
  static byte[] apply(JsonNode original, List<Change> changes) {
    JsonNode root = original.deepCopy();
    List<String> raw = new ArrayList<>();
    for (Change c : changes) {
      List<Slot> slots = new ArrayList<>();
      collect(root, slots);
      if (slots.isEmpty()) {
        continue;
      }
      Slot s = slots.get(c.node() % slots.size());
      if (c.remove()) {
        s.remove();
      } else {
        String mark = MARK + raw.size() + MARK;
        raw.add(VALUES.get(c.value()));
        if (s.parent() == null) {
          root = JSON.getNodeFactory().textNode(mark);
        } else {
          s.set(JSON.getNodeFactory().textNode(mark));
        }
      }
    }
    String text;
    try {
      text = JSON.writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (int i = 0; i < raw.size(); i++) {
      text = text.replace(JSON.getNodeFactory().textNode(MARK + i + MARK).toString(), raw.get(i));
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Where a value sits: an object field, an array element, or the root (no parent). */
  private record Slot(JsonNode parent, String field, int index) {
    void set(JsonNode v) {
      if (parent instanceof ObjectNode o) {
        o.set(field, v);
      } else if (parent instanceof ArrayNode a) {
        a.set(index, v);
      }
    }

    void remove() {
      if (parent instanceof ObjectNode o) {
        o.remove(field);
      } else if (parent instanceof ArrayNode a) {
        a.remove(index);
      }
    }
  }

  private static void collect(JsonNode root, List<Slot> out) {
    out.add(new Slot(null, null, -1));
    walk(root, out);
  }

  private static void walk(JsonNode n, List<Slot> out) {
    if (n.isObject()) {
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        out.add(new Slot(n, e.getKey(), -1));
        walk(e.getValue(), out);
      }
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        out.add(new Slot(n, null, i));
        walk(n.get(i), out);
      }
    }
  }
}
