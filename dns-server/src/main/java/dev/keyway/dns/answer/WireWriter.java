package dev.keyway.dns.answer;

import java.io.ByteArrayOutputStream;
import org.xbill.DNS.Name;

/** Builds the fixed wire fragments (apex records) once at start-up. Not for the query path. */
final class WireWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  WireWriter u16(int v) {
    out.write(v >>> 8);
    out.write(v);
    return this;
  }

  WireWriter u32(long v) {
    return u16((int) (v >>> 16) & 0xffff).u16((int) v & 0xffff);
  }

  WireWriter bytes(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  /** An uncompressed absolute name, letter case as given. */
  WireWriter name(Name name) {
    return bytes(name.toWire());
  }

  byte[] toBytes() {
    return out.toByteArray();
  }
}
