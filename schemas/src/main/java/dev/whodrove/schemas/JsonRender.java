package dev.whodrove.schemas;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

/** JSON rendering of any whodrove message, with the .proto field names (snake_case), for CLI output and mirrors. */
public final class JsonRender {
  private static final JsonFormat.Printer COMPACT =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
  private static final JsonFormat.Printer PRETTY = JsonFormat.printer().preservingProtoFieldNames();

  private JsonRender() {}

  /** One line of JSON. */
  public static String compact(MessageOrBuilder message) {
    return print(COMPACT, message);
  }

  /** Indented JSON. */
  public static String pretty(MessageOrBuilder message) {
    return print(PRETTY, message);
  }

  private static String print(JsonFormat.Printer printer, MessageOrBuilder message) {
    try {
      return printer.print(message);
    } catch (InvalidProtocolBufferException e) {
      // only Any fields with unknown types fail; whodrove messages have none
      throw new IllegalArgumentException("cannot render " + message.getDescriptorForType().getFullName(), e);
    }
  }
}
