package dev.keyway.gossip.net;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one node's network layer; read from any thread. */
public final class NetStats {
  final LongAdder connectionsOpened = new LongAdder();
  final LongAdder connectionsClosed = new LongAdder();
  final LongAdder handshakesRejected = new LongAdder();
  final LongAdder dialsFailed = new LongAdder();
  final LongAdder framesSent = new LongAdder();
  final LongAdder framesReceived = new LongAdder();
  final LongAdder framesDropped = new LongAdder();
  final LongAdder framesOversized = new LongAdder();
  final LongAdder framesMalformed = new LongAdder();
  final LongAdder protocolErrors = new LongAdder();
  final LongAdder framesForeignTopic = new LongAdder();

  /** Authenticated connections opened (dialled or accepted). */
  public long connectionsOpened() {
    return connectionsOpened.sum();
  }

  /** Connections closed. */
  public long connectionsClosed() {
    return connectionsClosed.sum();
  }

  /** Inbound handshakes that failed (bad certificate, wrong ALPN, ...). */
  public long handshakesRejected() {
    return handshakesRejected.sum();
  }

  /** Dials that found no address, or whose every address failed (wrong key included). */
  public long dialsFailed() {
    return dialsFailed.sum();
  }

  /** Frames handed to a connection. */
  public long framesSent() {
    return framesSent.sum();
  }

  /** Frames received and handed to the state machine. */
  public long framesReceived() {
    return framesReceived.sum();
  }

  /** Frames refused because a send queue was full (or a dial failed with frames waiting). */
  public long framesDropped() {
    return framesDropped.sum();
  }

  /** Received frames over the size limit, skipped unread. */
  public long framesOversized() {
    return framesOversized.sum();
  }

  /** Received frames that did not decode. */
  public long framesMalformed() {
    return framesMalformed.sum();
  }

  /** Stream rule violations by peers. */
  public long protocolErrors() {
    return protocolErrors.sum();
  }

  /** Frames received on a topic this node never joined (a peer configured with another topic). */
  public long framesForeignTopic() {
    return framesForeignTopic.sum();
  }

  /** All counters by name, for dumps. */
  public Map<String, Long> asMap() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("connections_opened", connectionsOpened());
    m.put("connections_closed", connectionsClosed());
    m.put("handshakes_rejected", handshakesRejected());
    m.put("dials_failed", dialsFailed());
    m.put("frames_sent", framesSent());
    m.put("frames_received", framesReceived());
    m.put("frames_dropped", framesDropped());
    m.put("frames_oversized", framesOversized());
    m.put("frames_malformed", framesMalformed());
    m.put("protocol_errors", protocolErrors());
    m.put("frames_foreign_topic", framesForeignTopic());
    return m;
  }

  @Override
  public String toString() {
    return "NetStats" + asMap();
  }
}
