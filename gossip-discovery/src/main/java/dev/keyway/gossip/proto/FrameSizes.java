package dev.keyway.gossip.proto;

import java.util.List;

/**
 * Sizes of encoded frames, computed from the CBOR layout that {@code dev.keyway.gossip.wire.GossipCodec}
 * writes, so that the state machine can refuse what would not fit without encoding it. Peer
 * identities are assumed to encode as 32-byte strings (Ed25519 public keys).
 *
 * <p>Layout (all arrays definite-length): a frame is {@code [topic: bstr32, message]}; a
 * message is {@code [kind, fields...]}; a Gossip is {@code [6, id: bstr32, content: bstr,
 * scope, round]}; a peer info is {@code [id: bstr32, data: bstr | null]}.
 */
public final class FrameSizes {
  /** Encoded size of a 32-byte string: a 2-byte header plus the bytes. */
  static final int BSTR32 = 34;
  /** Frame header: array(2) + topic. */
  static final int FRAME_HEADER = 1 + BSTR32;

  private FrameSizes() {}

  /** Bytes of a CBOR unsigned integer (or a length header) with this value. */
  public static int uintSize(long value) {
    if (value < 24) {
      return 1;
    } else if (value < 0x100) {
      return 2;
    } else if (value < 0x1_0000) {
      return 3;
    } else if (value < 0x1_0000_0000L) {
      return 5;
    }
    return 9;
  }

  /** Bytes of a CBOR byte string of this length. */
  public static int bstrSize(int length) {
    return uintSize(length) + length;
  }

  /**
   * The largest encoded size of a Swarm or Neighbors Gossip frame carrying {@code contentLength}
   * bytes, at any round (the round field is counted at its widest, 3 bytes), so a payload that
   * fits when broadcast still fits after any number of hops.
   */
  public static int gossipFrameSize(int contentLength) {
    // frame header, array(5), kind, id, content, scope, round (u16 at most 3 bytes)
    return FRAME_HEADER + 1 + 1 + BSTR32 + bstrSize(contentLength) + 1 + 3;
  }

  /** The largest broadcast payload that fits in a frame of {@code maxFrameSize} bytes. */
  public static int maxBroadcastSize(int maxFrameSize) {
    int len = Math.max(0, maxFrameSize - gossipFrameSize(0));
    while (len > 0 && gossipFrameSize(len) > maxFrameSize) {
      len--;
    }
    return len;
  }

  /** The encoded size of a peer info whose data has {@code dataLength} bytes ({@code -1}: none). */
  public static int peerInfoSize(int dataLength) {
    return 1 + BSTR32 + (dataLength < 0 ? 1 : bstrSize(dataLength));
  }

  /** The largest Shuffle frame carrying {@code nodes} peer infos with {@code dataLength} bytes each. */
  public static int shuffleFrameSize(int nodes, int dataLength) {
    // frame header, array(4), kind, origin, array(n) header, n peer infos, ttl (u16)
    return FRAME_HEADER + 1 + 1 + BSTR32 + uintSize(nodes) + nodes * peerInfoSize(dataLength) + 3;
  }

  /**
   * Peers in the Shuffle that sizes the peer data limit: the default ka + kp + the origin. Fixed,
   * not taken from a node's own shuffle counts, so that every node of a swarm with one frame limit
   * accepts the same peer data; a node with larger counts sends fewer peers when they do not fit
   * ({@link #fitPeerInfos}).
   */
  static final int PEER_DATA_SHUFFLE_NODES = 8;

  /**
   * The largest peer data accepted with frames of {@code maxFrameSize} bytes: a Shuffle of
   * {@value #PEER_DATA_SHUFFLE_NODES} peers with such data fits in a frame.
   */
  public static int maxPeerDataSize(int maxFrameSize) {
    return maxPeerDataSize(maxFrameSize, PEER_DATA_SHUFFLE_NODES);
  }

  /**
   * The largest peer data that still lets a Shuffle of {@code maxNodes} peers, each with data of
   * that size, fit in a frame; Shuffle is the largest membership message.
   */
  public static int maxPeerDataSize(int maxFrameSize, int maxNodes) {
    int len = Math.max(0, (maxFrameSize - FRAME_HEADER) / Math.max(1, maxNodes));
    while (len > 0 && shuffleFrameSize(maxNodes, len) > maxFrameSize) {
      len--;
    }
    return len;
  }

  /** The encoded size of one IHave entry: {@code [id: bstr32, round]} with a u16 round. */
  public static int iHaveEntrySize() {
    return 1 + BSTR32 + 3;
  }

  /** The largest IHave frame with {@code entries} entries. */
  public static int iHaveFrameSize(int entries) {
    return FRAME_HEADER + 1 + 1 + uintSize(entries) + entries * iHaveEntrySize();
  }

  /** The most IHave entries that fit in a frame of {@code maxFrameSize} bytes. */
  public static int maxIHaveEntries(int maxFrameSize) {
    int n = Math.max(0, (maxFrameSize - FRAME_HEADER) / iHaveEntrySize());
    while (n > 0 && iHaveFrameSize(n) > maxFrameSize) {
      n--;
    }
    return n;
  }

  /**
   * The leading peers of {@code nodes} whose Shuffle (the larger of Shuffle and ShuffleReply)
   * fits in a frame of {@code maxFrameSize} bytes: all of them unless a node with shuffle counts
   * above the defaults holds peers with large data.
   */
  static <P> List<PeerInfo<P>> fitPeerInfos(List<PeerInfo<P>> nodes, int maxFrameSize) {
    // frame header, array(4), kind, origin, array(n) header (n < 65,536), ttl (u16)
    int size = FRAME_HEADER + 1 + 1 + BSTR32 + 3 + 3;
    for (int i = 0; i < nodes.size(); i++) {
      byte[] data = nodes.get(i).data();
      size += peerInfoSize(data == null ? -1 : data.length);
      if (size > maxFrameSize) {
        return nodes.subList(0, i);
      }
    }
    return nodes;
  }
}
