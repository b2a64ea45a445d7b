package dev.whodrove.featurizer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The addresses of model-provider APIs, as CIDR blocks. BPF records the address a process connected to, never the
 * host name it looked up, so a host name in the configuration is resolved once, when the featurizer starts, and
 * matches only the addresses it had then; providers behind content-delivery networks change addresses, which is why
 * the defaults are the published ranges of a provider that publishes them (Anthropic's API).
 */
public final class ProviderEndpoints {
  /** Anthropic's published inbound API ranges. */
  public static final List<String> DEFAULT_ENTRIES = List.of("160.79.104.0/23", "153.61.224.0/22", "2607:6bc0::/48");

  private record Block(byte[] network, int bits, String text) {
    boolean contains(byte[] addr) {
      if (addr.length != network.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (addr[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xFF << (8 - rest) & 0xFF;
      return (addr[full] & mask) == (network[full] & mask);
    }
  }

  private final List<Block> blocks;

  private ProviderEndpoints(List<Block> blocks) {
    this.blocks = List.copyOf(blocks);
  }

  public static ProviderEndpoints defaults() {
    return DEFAULTS;
  }

  private static final ProviderEndpoints DEFAULTS = parse(DEFAULT_ENTRIES, h -> {
    throw new IllegalArgumentException("no host names in the defaults");
  });

  public static ProviderEndpoints none() {
    return new ProviderEndpoints(List.of());
  }

  /**
   * CIDR blocks ({@code 160.79.104.0/23}), single addresses, or host names resolved with {@code resolver}.
   *
   * @throws IllegalArgumentException naming the first entry that is none of these
   */
  public static ProviderEndpoints parse(List<String> entries, Function<String, List<byte[]>> resolver) {
    List<Block> blocks = new ArrayList<>();
    for (String raw : entries) {
      String e = raw.strip();
      if (e.isEmpty()) {
        continue;
      }
      int slash = e.indexOf('/');
      String addr = slash >= 0 ? e.substring(0, slash) : e;
      byte[] bytes = literal(addr);
      if (bytes == null) {
        if (slash >= 0) {
          throw new IllegalArgumentException("not a CIDR block: " + e);
        }
        for (byte[] b : resolver.apply(e)) {
          blocks.add(new Block(b, b.length * 8, e));
        }
        continue;
      }
      int bits = bytes.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(e.substring(slash + 1));
        } catch (NumberFormatException ex) {
          throw new IllegalArgumentException("not a CIDR block: " + e);
        }
        if (bits < 0 || bits > bytes.length * 8) {
          throw new IllegalArgumentException("prefix length out of range: " + e);
        }
      }
      blocks.add(new Block(bytes, bits, e));
    }
    return new ProviderEndpoints(blocks);
  }

  /** Resolves a host name with the system resolver; a name that does not resolve is an error. */
  public static List<byte[]> resolve(String host) {
    try {
      return Arrays.stream(InetAddress.getAllByName(host)).map(InetAddress::getAddress).toList();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve " + host + " (BPF events carry addresses only: give the "
          + "provider's CIDR blocks instead)");
    }
  }

  /** Whether {@code address} (an IPv4 or IPv6 literal as Teleport writes it) lies in one of the blocks. */
  public boolean matches(String address) {
    if (blocks.isEmpty() || address == null || address.isEmpty()) {
      return false;
    }
    byte[] a = literal(address);
    if (a == null) {
      return false;
    }
    if (a.length == 16 && isMappedV4(a)) {
      a = Arrays.copyOfRange(a, 12, 16);
    }
    for (Block b : blocks) {
      if (b.contains(a)) {
        return true;
      }
    }
    return false;
  }

  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  private static boolean isMappedV4(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
  }

  /** The bytes of an IPv4 or IPv6 literal, or null when the text is not one (never a DNS lookup). */
  static byte[] literal(String s) {
    if (s.isEmpty()) {
      return null;
    }
    if (s.indexOf(':') >= 0) {
      String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
      int pct = t.indexOf('%');
      if (pct >= 0) {
        t = t.substring(0, pct);
      }
      if (!t.matches("[0-9a-fA-F:.]+")) {
        return null;
      }
      try {
        byte[] b = InetAddress.getByName(t).getAddress(); // a literal: parsed, not looked up
        if (b.length == 4) {
          byte[] mapped = new byte[16];
          mapped[10] = (byte) 0xFF;
          mapped[11] = (byte) 0xFF;
          System.arraycopy(b, 0, mapped, 12, 4);
          return mapped;
        }
        return b;
      } catch (UnknownHostException e) {
        return null;
      }
    }
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit)) {
        return null;
      }
      int v = Integer.parseInt(parts[i]);
      if (v > 255) {
        return null;
      }
      b[i] = (byte) v;
    }
    return b;
  }
}
