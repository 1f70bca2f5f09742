package dev.keyway.gossip.net;

import io.netty.buffer.ByteBuf;

/**
 * Splits a byte stream into length-prefixed records without ever allocating for a record over
 * the limit: a record announced larger than {@code maxPayload} is reported and its bytes are
 * skipped as they arrive, so the stream stays in sync and the connection survives.
 *
 * <p>Record layout: a u32 big-endian length, then (when {@code withStreamId}, the TCP multiplex)
 * one stream-id byte counted in the length, then the payload. Not thread-safe: one reader per
 * stream, fed from its channel's event loop.
 */
final class FrameReader {
  /** Receives the records. */
  interface Sink {
    /** A complete record; {@code streamId} is -1 without stream ids. */
    void record(int streamId, byte[] payload);

    /** A record of {@code length} payload bytes was over the limit and is being skipped. */
    void oversized(int streamId, long length);

    /** The stream is not made of records (a zero length where a stream id was required). */
    void malformed(String reason);
  }

  private final boolean withStreamId;
  private final int maxPayload;
  private final Sink sink;
  private final byte[] header = new byte[5];
  private int headerFill;
  private byte[] payload;
  private int payloadFill;
  private int streamId = -1;
  private long skip;
  private boolean failed;

  FrameReader(boolean withStreamId, int maxPayload, Sink sink) {
    this.withStreamId = withStreamId;
    this.maxPayload = maxPayload;
    this.sink = sink;
  }

  /** Consumes every readable byte of {@code in} (does not release it). */
  void feed(ByteBuf in) {
    while (in.isReadable() && !failed) {
      if (skip > 0) {
        int n = (int) Math.min(skip, in.readableBytes());
        in.skipBytes(n);
        skip -= n;
        continue;
      }
      if (payload != null) {
        int n = Math.min(payload.length - payloadFill, in.readableBytes());
        in.readBytes(payload, payloadFill, n);
        payloadFill += n;
        if (payloadFill == payload.length) {
          byte[] done = payload;
          payload = null;
          sink.record(streamId, done);
        }
        continue;
      }
      int headerLen = withStreamId ? 5 : 4;
      int n = Math.min(headerLen - headerFill, in.readableBytes());
      in.readBytes(header, headerFill, n);
      headerFill += n;
      if (headerFill < headerLen) {
        continue;
      }
      headerFill = 0;
      long length = ((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
      if (withStreamId) {
        if (length == 0) {
          failed = true;
          sink.malformed("record without a stream id");
          return;
        }
        length -= 1;
        streamId = header[4] & 0xff;
      }
      if (length > maxPayload) {
        skip = length;
        sink.oversized(streamId, length);
      } else if (length == 0) {
        sink.record(streamId, new byte[0]);
      } else {
        payload = new byte[(int) length];
        payloadFill = 0;
      }
    }
  }
}
