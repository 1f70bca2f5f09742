package dev.keyway.client.packet;

import dev.keyway.client.packet.InvalidPacketException.Reason;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/** Reads and writes the DNS message inside a signed packet with dnsjava. */
final class DnsMessages {
  private static final int[] SECTIONS = {
    Section.QUESTION, Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL
  };

  /** The OPCODE bits of the third header byte. */
  private static final int OPCODE_MASK = 0x78;

  private DnsMessages() {}

  /**
   * Parses {@code buf[off..off+len)} as a DNS message and returns its answer records.
   *
   * <p>Like simple-dns (which pkarr and iroh use), every record the header announces must parse,
   * compressed or not, and bytes after the last record are ignored. dnsjava alone would accept a
   * message cut short when its TC flag is set, so the section counts are checked here.
   */
  static List<Record> parseAnswers(byte[] buf, int off, int len) {
    Message message;
    try {
      // dnsjava reads an UPDATE message (opcode 5) the RFC 2136 way, where a record may have no
      // RDATA: an A record with RDLENGTH 0 would be accepted, then served as malformed DNS.
      // simple-dns reads RDATA whatever the opcode, so the records are parsed as in a QUERY.
      byte[] copy = Arrays.copyOfRange(buf, off, off + len);
      if (copy.length > 2) {
        copy[2] &= (byte) ~OPCODE_MASK;
      }
      message = new Message(copy);
    } catch (IOException | RuntimeException e) {
      throw new InvalidPacketException(
          Reason.BAD_DNS, "DNS message does not parse: " + e.getMessage(), e);
    }
    for (int section : SECTIONS) {
      int announced = message.getHeader().getCount(section);
      int parsed = message.getSection(section).size();
      if (announced != parsed) {
        throw new InvalidPacketException(
            Reason.BAD_DNS,
            "DNS message does not parse: " + Section.string(section) + " section announces "
                + announced + " records but holds " + parsed);
      }
    }
    return List.copyOf(message.getSection(Section.ANSWER));
  }

  /**
   * Writes a reply as pkarr and iroh do (simple-dns {@code Packet::new_reply(0)}, compressed):
   * ID 0, flags 0x8000 (QR only), the records in the answer section and nothing else.
   */
  static byte[] encodeReply(List<Record> answers) {
    Message message = new Message(0);
    message.getHeader().setFlag(Flags.QR);
    for (Record r : answers) {
      message.addRecord(r, Section.ANSWER);
    }
    // dnsjava compresses owner names and the names inside CNAME, NS, MX, ... RDATA.
    return message.toWire();
  }
}
