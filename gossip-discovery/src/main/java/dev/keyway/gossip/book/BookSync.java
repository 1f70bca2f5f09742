package dev.keyway.gossip.book;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of a book hand-over: signed announcement envelopes (as their nodes signed them)
 * that a member sends its neighbours when a node new to it becomes one, or a neighbour turns out
 * to have restarted, so that node learns the swarm at once instead of one announcement interval
 * later.
 *
 * <pre>
 * sync = [2, [envelope: bstr ...]]      ; each envelope as in {@link Announcements}
 * </pre>
 *
 * The message itself is not signed; each envelope is verified on its own, so a member can relay
 * only what the nodes themselves signed. Version 2 sits where an announcement has its version 1,
 * so a receiver tells the two apart by that number.
 */
final class BookSync {
  static final int VERSION = 2;
  private static final CBORFactory CBOR = new CBORFactory();
  /** CBOR bytes around the envelopes: headers of both arrays and the version. */
  private static final int FRAME_BYTES = 16;
  /**
   * Fewer bytes than any announcement envelope (signer and signature alone are 96): a message of
   * tiny "envelopes" is refused whole, so one frame cannot make a receiver parse thousands.
   */
  static final int MIN_ENVELOPE_BYTES = 100;
  /** CBOR header of one byte string of up to 65535 bytes. */
  private static final int ENVELOPE_HEADER_BYTES = 3;

  private BookSync() {}

  /** Whether {@code content} is a sync message (an announcement starts with 0x84 0x01). */
  static boolean isSync(byte[] content) {
    return content.length >= 2 && (content[0] & 0xff) == 0x82 && content[1] == VERSION;
  }

  /**
   * Packs {@code envelopes} into as few sync messages of at most {@code maxBytes} each as their
   * order allows; an envelope that alone does not fit is left out.
   */
  static List<byte[]> encode(List<byte[]> envelopes, int maxBytes) {
    List<byte[]> messages = new ArrayList<>();
    List<byte[]> batch = new ArrayList<>();
    int size = FRAME_BYTES;
    for (byte[] e : envelopes) {
      int cost = e.length + ENVELOPE_HEADER_BYTES;
      if (FRAME_BYTES + cost > maxBytes) {
        continue;
      }
      if (size + cost > maxBytes) {
        messages.add(message(batch));
        batch.clear();
        size = FRAME_BYTES;
      }
      batch.add(e);
      size += cost;
    }
    if (!batch.isEmpty()) {
      messages.add(message(batch));
    }
    return messages;
  }

  private static byte[] message(List<byte[]> envelopes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (CBORGenerator g = CBOR.createGenerator(out)) {
      g.writeStartArray(null, 2);
      g.writeNumber(VERSION);
      g.writeStartArray(null, envelopes.size());
      for (byte[] e : envelopes) {
        g.writeBinary(e);
      }
      g.writeEndArray();
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * The envelopes in a sync message (not yet parsed or verified).
   *
   * @throws Announcements.MalformedException if the bytes are not a sync message
   */
  static List<byte[]> decode(byte[] content) throws Announcements.MalformedException {
    List<byte[]> envelopes = new ArrayList<>();
    try (CBORParser p = CBOR.createParser(content)) {
      if (p.nextToken() != JsonToken.START_ARRAY || p.nextToken() != JsonToken.VALUE_NUMBER_INT
          || p.getLongValue() != VERSION || p.nextToken() != JsonToken.START_ARRAY) {
        throw new Announcements.MalformedException("not a book sync message");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.VALUE_EMBEDDED_OBJECT) {
        byte[] e = p.getBinaryValue();
        if (e.length < MIN_ENVELOPE_BYTES) {
          throw new Announcements.MalformedException("book sync message: an envelope of " + e.length + " bytes");
        }
        envelopes.add(e);
      }
      if (t != JsonToken.END_ARRAY || p.nextToken() != JsonToken.END_ARRAY || p.nextToken() != null) {
        throw new Announcements.MalformedException("book sync message: expected envelopes, found " + t);
      }
    } catch (IOException e) {
      throw new Announcements.MalformedException("not a book sync message: " + e.getMessage());
    }
    return envelopes;
  }
}
