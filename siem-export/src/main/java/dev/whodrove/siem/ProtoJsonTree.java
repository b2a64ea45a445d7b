package dev.whodrove.siem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * A protobuf message as a JSON tree for SIEMs: proto (snake_case) field names, numbers as JSON numbers (proto's own
 * JSON mapping quotes 64-bit integers), scalar fields always present with their default so the field set is stable,
 * unset sub-messages and unset optional fields left out, map keys sorted.
 */
final class ProtoJsonTree {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private ProtoJsonTree() {}

  static ObjectNode of(Message m, Set<String> skipFields) {
    ObjectNode node = JSON.objectNode();
    for (FieldDescriptor fd : m.getDescriptorForType().getFields()) {
      if (skipFields.contains(fd.getName())) {
        continue;
      }
      if (fd.isMapField()) {
        ObjectNode map = JSON.objectNode();
        TreeMap<String, JsonNode> sorted = new TreeMap<>();
        for (Object e : (List<?>) m.getField(fd)) {
          MapEntry<?, ?> entry = (MapEntry<?, ?>) e;
          FieldDescriptor valueFd = fd.getMessageType().findFieldByName("value");
          sorted.put(String.valueOf(entry.getKey()), value(valueFd, entry.getValue(), skipFields));
        }
        sorted.forEach(map::set);
        node.set(fd.getName(), map);
      } else if (fd.isRepeated()) {
        ArrayNode arr = JSON.arrayNode();
        for (Object v : (List<?>) m.getField(fd)) {
          arr.add(value(fd, v, skipFields));
        }
        node.set(fd.getName(), arr);
      } else if (fd.hasPresence() && !m.hasField(fd)) {
        continue; // unset sub-message or proto3 optional: "not computed", not zero
      } else {
        node.set(fd.getName(), value(fd, m.getField(fd), skipFields));
      }
    }
    return node;
  }

  private static JsonNode value(FieldDescriptor fd, Object v, Set<String> skip) {
    return switch (fd.getJavaType()) {
      case INT -> JSON.numberNode((Integer) v);
      case LONG -> JSON.numberNode((Long) v);
      case FLOAT -> finite(((Float) v).doubleValue());
      case DOUBLE -> finite((Double) v);
      case BOOLEAN -> JSON.booleanNode((Boolean) v);
      case STRING -> JSON.textNode((String) v);
      case BYTE_STRING -> JSON.numberNode(((ByteString) v).size()); // never content: only its size
      case ENUM -> JSON.textNode(((EnumValueDescriptor) v).getName());
      case MESSAGE -> of((Message) v, skip);
    };
  }

  private static JsonNode finite(double d) {
    return Double.isFinite(d) ? JSON.numberNode(d) : JSON.nullNode();
  }
}
