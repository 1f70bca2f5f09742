package dev.keyway.gossip.wire;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import dev.keyway.gossip.proto.FrameSizes;
import dev.keyway.gossip.proto.FrameTooLargeException;
import dev.keyway.gossip.proto.GossipConfig;
import dev.keyway.gossip.proto.IHaveEntry;
import dev.keyway.gossip.proto.Message;
import dev.keyway.gossip.proto.MessageId;
import dev.keyway.gossip.proto.PeerInfo;
import dev.keyway.gossip.proto.Priority;
import dev.keyway.gossip.proto.Scope;
import dev.keyway.gossip.proto.TopicId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes {@link Message}s as CBOR frames and decodes them, refusing anything over the frame
 * limit (iroh-gossip's {@code max_message_size}, default 4096 bytes, the same network-wide).
 *
 * <p>A frame is a definite-length CBOR array {@code [topic, message]}; a message is an array
 * whose first element is its kind:
 * <pre>
 *   0 Join         [0, data|null]
 *   1 ForwardJoin  [1, [peer, data|null], ttl]
 *   2 Shuffle      [2, origin, [[peer, data|null]...], ttl]
 *   3 ShuffleReply [3, [[peer, data|null]...]]
 *   4 Neighbor     [4, priority (0 high, 1 low), data|null]
 *   5 Disconnect   [5, alive]
 *   6 Gossip       [6, id, content, scope (0 swarm, 1 neighbors), round]
 *   7 Prune        [7]
 *   8 Graft        [8, id|null, round]
 *   9 IHave        [9, [[id, round]...]]
 * </pre>
 * Topics, peers and message ids are byte strings of fixed length; ttl and round are u16. The kinds
 * and fields are iroh-gossip's; the encoding is ours (iroh uses postcard). {@link FrameSizes}
 * computes the same sizes without encoding.
 *
 * <p>Decoding accepts only the encoding {@link #encode} writes (canonical CBOR: definite lengths,
 * minimal integers, no tags), checks every length, range and kind, rejects trailing bytes, validates peer
 * identities through the {@link PeerEncoding}, and caps peer data at {@link #maxPeerDataSize()}.
 * It does not check that a Gossip id is the hash of its content; the state machine does that.
 * Instances are immutable and thread-safe.
 *
 * @param <P> the peer identity type
 */
public final class GossipCodec<P> {
  static final int JOIN = 0;
  static final int FORWARD_JOIN = 1;
  static final int SHUFFLE = 2;
  static final int SHUFFLE_REPLY = 3;
  static final int NEIGHBOR = 4;
  static final int DISCONNECT = 5;
  static final int GOSSIP = 6;
  static final int PRUNE = 7;
  static final int GRAFT = 8;
  static final int IHAVE = 9;

  private static final CBORFactory FACTORY = new CBORFactory();

  private final PeerEncoding<P> peers;
  private final int maxFrameSize;
  private final int maxPeerDataSize;

  /**
   * A codec for this peer encoding and frame limit; the peer data limit is the one
   * {@link dev.keyway.gossip.proto.GossipState} enforces with that frame limit.
   */
  public GossipCodec(PeerEncoding<P> peers, int maxFrameSize) {
    this(peers, maxFrameSize, FrameSizes.maxPeerDataSize(maxFrameSize));
  }

  /** A codec with an explicit peer data limit. */
  public GossipCodec(PeerEncoding<P> peers, int maxFrameSize, int maxPeerDataSize) {
    if (maxFrameSize < GossipConfig.MIN_MAX_FRAME_SIZE) {
      throw new IllegalArgumentException("maxFrameSize must be at least " + GossipConfig.MIN_MAX_FRAME_SIZE);
    }
    if (peers.length() <= 0 || peers.length() > 64) {
      throw new IllegalArgumentException("peer encoding length must be in 1..64");
    }
    this.peers = peers;
    this.maxFrameSize = maxFrameSize;
    this.maxPeerDataSize = maxPeerDataSize;
  }

  /** The codec for Ed25519 public keys and the default 4096-byte frame. */
  public static GossipCodec<dev.keyway.client.keys.PublicKey> forPublicKeys() {
    return new GossipCodec<>(PeerEncoding.PUBLIC_KEYS, GossipConfig.DEFAULT_MAX_FRAME_SIZE);
  }

  /** The frame limit in bytes. */
  public int maxFrameSize() {
    return maxFrameSize;
  }

  /** The largest peer data accepted in a decoded message. */
  public int maxPeerDataSize() {
    return maxPeerDataSize;
  }

  // ------------------------------------------------------------------ encode

  /**
   * Encodes {@code message} on {@code topic}.
   *
   * @throws FrameTooLargeException if the frame would exceed {@link #maxFrameSize()}
   */
  public byte[] encode(TopicId topic, Message<P> message) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (CBORGenerator g = FACTORY.createGenerator(bytes)) {
      g.writeStartArray(null, 2);
      writeFixed(g, topic.toBytes());
      writeMessage(g, message);
      g.writeEndArray();
    } catch (IOException e) {
      // Writing to a byte array does not fail.
      throw new UncheckedIOException(e);
    }
    byte[] frame = bytes.toByteArray();
    if (frame.length > maxFrameSize) {
      throw new FrameTooLargeException(message.getClass().getSimpleName() + " frame", frame.length, maxFrameSize);
    }
    return frame;
  }

  private void writeMessage(CBORGenerator g, Message<P> message) throws IOException {
    if (message instanceof Message.Join<P> m) {
      g.writeStartArray(null, 2);
      g.writeNumber(JOIN);
      writeData(g, m.data());
    } else if (message instanceof Message.ForwardJoin<P> m) {
      g.writeStartArray(null, 3);
      g.writeNumber(FORWARD_JOIN);
      writePeerInfo(g, m.peer());
      g.writeNumber(m.ttl());
    } else if (message instanceof Message.Shuffle<P> m) {
      g.writeStartArray(null, 4);
      g.writeNumber(SHUFFLE);
      writePeer(g, m.origin());
      writePeerInfos(g, m.nodes());
      g.writeNumber(m.ttl());
    } else if (message instanceof Message.ShuffleReply<P> m) {
      g.writeStartArray(null, 2);
      g.writeNumber(SHUFFLE_REPLY);
      writePeerInfos(g, m.nodes());
    } else if (message instanceof Message.Neighbor<P> m) {
      g.writeStartArray(null, 3);
      g.writeNumber(NEIGHBOR);
      g.writeNumber(m.priority() == Priority.HIGH ? 0 : 1);
      writeData(g, m.data());
    } else if (message instanceof Message.Disconnect<P> m) {
      g.writeStartArray(null, 2);
      g.writeNumber(DISCONNECT);
      g.writeBoolean(m.alive());
    } else if (message instanceof Message.Gossip<P> m) {
      g.writeStartArray(null, 5);
      g.writeNumber(GOSSIP);
      writeFixed(g, m.id().toBytes());
      g.writeBinary(m.content());
      g.writeNumber(m.scope() == Scope.SWARM ? 0 : 1);
      g.writeNumber(m.round());
    } else if (message instanceof Message.Prune<P>) {
      g.writeStartArray(null, 1);
      g.writeNumber(PRUNE);
    } else if (message instanceof Message.Graft<P> m) {
      g.writeStartArray(null, 3);
      g.writeNumber(GRAFT);
      if (m.id() == null) {
        g.writeNull();
      } else {
        writeFixed(g, m.id().toBytes());
      }
      g.writeNumber(m.round());
    } else if (message instanceof Message.IHave<P> m) {
      g.writeStartArray(null, 2);
      g.writeNumber(IHAVE);
      g.writeStartArray(null, m.entries().size());
      for (IHaveEntry e : m.entries()) {
        g.writeStartArray(null, 2);
        writeFixed(g, e.id().toBytes());
        g.writeNumber(e.round());
        g.writeEndArray();
      }
      g.writeEndArray();
    } else {
      throw new IllegalArgumentException("unknown message " + message);
    }
    g.writeEndArray();
  }

  private static void writeFixed(CBORGenerator g, byte[] bytes) throws IOException {
    g.writeBinary(bytes);
  }

  private static void writeData(CBORGenerator g, byte[] data) throws IOException {
    if (data == null) {
      g.writeNull();
    } else {
      g.writeBinary(data);
    }
  }

  private void writePeer(CBORGenerator g, P peer) throws IOException {
    byte[] buf = new byte[peers.length()];
    peers.write(peer, buf, 0);
    g.writeBinary(buf);
  }

  private void writePeerInfo(CBORGenerator g, PeerInfo<P> info) throws IOException {
    g.writeStartArray(null, 2);
    writePeer(g, info.id());
    writeData(g, info.data());
    g.writeEndArray();
  }

  private void writePeerInfos(CBORGenerator g, List<PeerInfo<P>> infos) throws IOException {
    g.writeStartArray(null, infos.size());
    for (PeerInfo<P> info : infos) {
      writePeerInfo(g, info);
    }
    g.writeEndArray();
  }

  // ------------------------------------------------------------------ decode

  /**
   * Decodes one frame.
   *
   * @throws FrameTooLargeException if {@code frame} exceeds {@link #maxFrameSize()}
   * @throws MalformedFrameException if the bytes are not a valid frame
   */
  public Frame<P> decode(byte[] frame) {
    if (frame.length > maxFrameSize) {
      throw new FrameTooLargeException("received frame", frame.length, maxFrameSize);
    }
    try (CBORParser p = FACTORY.createParser(frame)) {
      Reader r = new Reader(p);
      r.startArray();
      TopicId topic = TopicId.fromBytes(r.fixed(32, "topic"));
      Message<P> message = readMessage(r);
      r.endArray("frame");
      if (p.nextToken() != null) {
        throw new MalformedFrameException("trailing bytes after frame");
      }
      // One encoding per frame: Jackson also reads CBOR tags, indefinite lengths, non-minimal
      // integers and a lone tag byte after the frame (found by fuzzing), which no keyway node writes.
      if (!java.util.Arrays.equals(encode(topic, message), frame)) {
        throw new MalformedFrameException("not in canonical CBOR (tags, indefinite lengths,"
            + " non-minimal integers or trailing bytes)");
      }
      return new Frame<>(topic, message);
    } catch (IOException e) {
      throw new MalformedFrameException("invalid CBOR: " + e.getMessage(), e);
    } catch (MalformedFrameException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      // An invalid key, an out-of-range field caught by a record constructor, ...
      throw new MalformedFrameException(e.getMessage(), e);
    }
  }

  private Message<P> readMessage(Reader r) throws IOException {
    r.startArray();
    int kind = r.uint(IHAVE, "message kind");
    Message<P> message;
    switch (kind) {
      case JOIN -> message = new Message.Join<>(r.data(maxPeerDataSize));
      case FORWARD_JOIN -> {
        PeerInfo<P> peer = readPeerInfo(r);
        message = new Message.ForwardJoin<>(peer, r.uint(Message.MAX_U16, "ttl"));
      }
      case SHUFFLE -> {
        P origin = readPeer(r);
        List<PeerInfo<P>> nodes = readPeerInfos(r);
        message = new Message.Shuffle<>(origin, nodes, r.uint(Message.MAX_U16, "ttl"));
      }
      case SHUFFLE_REPLY -> message = new Message.ShuffleReply<>(readPeerInfos(r));
      case NEIGHBOR -> {
        Priority priority = r.uint(1, "priority") == 0 ? Priority.HIGH : Priority.LOW;
        message = new Message.Neighbor<>(priority, r.data(maxPeerDataSize));
      }
      case DISCONNECT -> message = new Message.Disconnect<>(r.bool("alive"));
      case GOSSIP -> {
        MessageId id = MessageId.fromBytes(r.fixed(32, "message id"));
        byte[] content = r.bytes(maxFrameSize, "content");
        Scope scope = r.uint(1, "scope") == 0 ? Scope.SWARM : Scope.NEIGHBORS;
        message = new Message.Gossip<>(id, content, scope, r.uint(Message.MAX_U16, "round"));
      }
      case PRUNE -> message = new Message.Prune<>();
      case GRAFT -> {
        MessageId id = r.nextIsNull() ? null : MessageId.fromBytes(r.fixed(32, "message id"));
        message = new Message.Graft<>(id, r.uint(Message.MAX_U16, "round"));
      }
      case IHAVE -> {
        r.startArray();
        List<IHaveEntry> entries = new ArrayList<>();
        while (!r.atEndArray()) {
          r.startArrayCurrent();
          MessageId id = MessageId.fromBytes(r.fixed(32, "message id"));
          entries.add(new IHaveEntry(id, r.uint(Message.MAX_U16, "round")));
          r.endArray("ihave entry");
        }
        message = new Message.IHave<>(entries);
      }
      default -> throw new MalformedFrameException("unknown message kind " + kind);
    }
    r.endArray("message");
    return message;
  }

  private P readPeer(Reader r) throws IOException {
    byte[] raw = r.fixed(peers.length(), "peer id");
    return peers.read(raw, 0);
  }

  private PeerInfo<P> readPeerInfo(Reader r) throws IOException {
    r.startArray();
    P id = readPeer(r);
    byte[] data = r.data(maxPeerDataSize);
    r.endArray("peer info");
    return new PeerInfo<>(id, data);
  }

  private List<PeerInfo<P>> readPeerInfos(Reader r) throws IOException {
    r.startArray();
    List<PeerInfo<P>> nodes = new ArrayList<>();
    while (!r.atEndArray()) {
      if (r.current() != JsonToken.START_ARRAY) {
        throw new MalformedFrameException("expected a peer info array");
      }
      P id;
      byte[] data;
      id = readPeer(r);
      data = r.data(maxPeerDataSize);
      r.endArray("peer info");
      nodes.add(new PeerInfo<>(id, data));
    }
    return nodes;
  }

  /** A cursor over the parser's tokens that fails with {@link MalformedFrameException}. */
  private static final class Reader {
    private final CBORParser p;

    Reader(CBORParser p) {
      this.p = p;
    }

    JsonToken next() throws IOException {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new MalformedFrameException("frame ends early");
      }
      return t;
    }

    JsonToken current() {
      return p.currentToken();
    }

    void startArray() throws IOException {
      if (next() != JsonToken.START_ARRAY) {
        throw new MalformedFrameException("expected an array, found " + p.currentToken());
      }
    }

    /** For a caller that already advanced onto a START_ARRAY with {@link #atEndArray()}. */
    void startArrayCurrent() {
      if (p.currentToken() != JsonToken.START_ARRAY) {
        throw new MalformedFrameException("expected an array, found " + p.currentToken());
      }
    }

    /** Advances; true if the array ended (consuming END_ARRAY). */
    boolean atEndArray() throws IOException {
      return next() == JsonToken.END_ARRAY;
    }

    void endArray(String what) throws IOException {
      if (next() != JsonToken.END_ARRAY) {
        throw new MalformedFrameException("too many fields in " + what);
      }
    }

    int uint(int max, String what) throws IOException {
      if (next() != JsonToken.VALUE_NUMBER_INT) {
        throw new MalformedFrameException("expected an integer for " + what + ", found " + p.currentToken());
      }
      long v;
      try {
        v = p.getLongValue();
      } catch (IOException e) {
        throw new MalformedFrameException(what + " out of range", e);
      }
      if (v < 0 || v > max) {
        throw new MalformedFrameException(what + " out of range 0.." + max + ": " + v);
      }
      return (int) v;
    }

    boolean bool(String what) throws IOException {
      JsonToken t = next();
      if (t == JsonToken.VALUE_TRUE) {
        return true;
      } else if (t == JsonToken.VALUE_FALSE) {
        return false;
      }
      throw new MalformedFrameException("expected a boolean for " + what + ", found " + t);
    }

    private boolean peeked;

    /** Advances; true if the token is null, otherwise the next read starts at this token. */
    boolean nextIsNull() throws IOException {
      JsonToken t = next();
      if (t == JsonToken.VALUE_NULL) {
        return true;
      }
      peeked = true;
      return false;
    }

    byte[] bytes(int max, String what) throws IOException {
      JsonToken t = peeked ? p.currentToken() : next();
      peeked = false;
      if (t != JsonToken.VALUE_EMBEDDED_OBJECT) {
        throw new MalformedFrameException("expected a byte string for " + what + ", found " + t);
      }
      byte[] b = p.getBinaryValue();
      if (b.length > max) {
        throw new MalformedFrameException(what + " too long: " + b.length + " > " + max);
      }
      return b;
    }

    byte[] fixed(int length, String what) throws IOException {
      byte[] b = bytes(length, what);
      if (b.length != length) {
        throw new MalformedFrameException(what + " must be " + length + " bytes, got " + b.length);
      }
      return b;
    }

    /** Peer data: a byte string or null. */
    byte[] data(int max) throws IOException {
      if (nextIsNull()) {
        return null;
      }
      return bytes(max, "peer data");
    }
  }
}
