package dev.whodrove.decoder;

/** What a print event carries: derived numbers only (default, the privacy invariant) or the raw bytes too. */
public enum PrintPayload {
  DERIVED,
  RAW;

  /** Parses the {@code decoder.print.payload} config value ({@code derived} or {@code raw}). */
  public static PrintPayload parse(String value) {
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "derived", "" -> DERIVED;
      case "raw" -> RAW;
      default -> throw new IllegalArgumentException(
          "decoder.print.payload must be derived or raw, got '" + value + "'");
    };
  }
}
