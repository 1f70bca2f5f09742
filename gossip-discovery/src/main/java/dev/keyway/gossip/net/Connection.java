package dev.keyway.gossip.net;

import dev.keyway.client.keys.PublicKey;
import dev.keyway.gossip.proto.TopicId;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One authenticated connection to a peer, as the node actor sees it. Everything here runs on the
 * connection's event loop, which is the actor's.
 *
 * <p><b>Sending.</b> One outbound stream per topic, opened on the first frame for that topic; its
 * first frame is the 32-byte topic header. Each stream has a bounded queue of frames not yet
 * handed to the channel (the channel itself is only written while it is writable, so Netty's
 * buffer stays under its high-water mark). When the queue is full the new frame is
 * <em>refused</em> ({@link #send} returns false; the actor counts it as dropped): gossip recovers
 * a lost broadcast through IHave/Graft and lost membership messages through its timeouts, while an
 * unbounded queue towards a slow peer would not recover at all.
 *
 * <p><b>Receiving.</b> At most one inbound stream per topic on a connection; a second one is a
 * protocol error and is closed. Frames are length-checked before any allocation
 * ({@link FrameReader}). When the actor has more than {@code maxInboundPending} frames of this
 * connection still to process, reading pauses (back-pressure reaches the sender through QUIC or
 * TCP flow control).
 */
abstract class Connection {
  private static final AtomicLong SEQ = new AtomicLong();

  final long seq = SEQ.incrementAndGet();
  final PublicKey peer;
  final boolean outbound;
  final InetSocketAddress remote;
  final Transport.Listener listener;
  final NetLimits limits;
  final EventLoop loop;
  private final Map<TopicId, OutStream> outStreams = new HashMap<>();
  final Set<TopicId> inTopics = new HashSet<>();
  private int inboundPending;
  private boolean paused;
  private boolean closing;
  long lastActivityNanos;
  /** When the peer last sent us a frame on this connection (actor clock); MIN_VALUE: never. */
  long lastReceivedNanos = Long.MIN_VALUE;

  Connection(PublicKey peer, boolean outbound, InetSocketAddress remote, Transport.Listener listener,
      NetLimits limits, EventLoop loop) {
    this.peer = peer;
    this.outbound = outbound;
    this.remote = remote;
    this.listener = listener;
    this.limits = limits;
    this.loop = loop;
  }

  /** The authenticated peer. */
  PublicKey peer() {
    return peer;
  }

  /** Whether we dialled it. */
  boolean outbound() {
    return outbound;
  }

  /** The remote socket address. */
  InetSocketAddress remote() {
    return remote;
  }

  /** Whether the connection is usable for sending. */
  boolean isOpen() {
    return !closing && channel().isActive();
  }

  /** The underlying channel (QUIC connection or TCP socket). */
  abstract Channel channel();

  /** The transport this connection belongs to. */
  abstract TransportKind kind();

  /**
   * Queues {@code frame} (an encoded codec frame) on {@code topic}'s outbound stream. Returns
   * false, and keeps nothing, when the stream's queue is full, the topic cap is reached or the
   * connection is closing.
   */
  boolean send(TopicId topic, byte[] frame) {
    if (!isOpen()) {
      return false;
    }
    OutStream s = outStreams.get(topic);
    if (s == null) {
      if (outStreams.size() >= limits.maxTopics()) {
        return false;
      }
      s = openStream(topic);
      outStreams.put(topic, s);
    }
    return s.offer(frame);
  }

  /** Frames waiting in this connection's send queues. */
  int queuedFrames() {
    int n = 0;
    for (OutStream s : outStreams.values()) {
      n += s.queue.size();
    }
    return n;
  }

  /** Opens the outbound stream for {@code topic}; it writes the header once it is ready. */
  abstract OutStream openStream(TopicId topic);

  /** Finishes every outbound stream once its queue is written; the connection stays open. */
  void finishSending() {
    for (OutStream s : outStreams.values()) {
      s.finish();
    }
  }

  /**
   * Closes gracefully: finishes every outbound stream, then closes once the queues are written
   * (or after {@code graceMillis}).
   */
  void close(long graceMillis) {
    if (closing) {
      return;
    }
    closing = true;
    List<OutStream> streams = new ArrayList<>(outStreams.values());
    for (OutStream s : streams) {
      s.finish();
    }
    if (queuedFrames() == 0) {
      channel().flush();
      // Let the last writes reach the socket before the close frame.
      loop.schedule(this::abort, Math.min(graceMillis, 200), TimeUnit.MILLISECONDS);
    } else {
      loop.schedule(this::abort, graceMillis, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Makes the transport send something ack-eliciting so an idle but needed connection does not
   * time out (QUIC); a no-op where the transport has no idle timeout (TCP).
   */
  void keepAlive() {}

  /** Closes at once. */
  void abort() {
    channel().close();
  }

  /** Whether a graceful close has started. */
  boolean closing() {
    return closing;
  }

  // ------------------------------------------------------------------ inbound

  /** Called by the transport for each complete frame of an inbound stream. */
  void deliver(TopicId topic, byte[] frame) {
    inboundPending++;
    if (inboundPending >= limits.maxInboundPending() && !paused) {
      paused = true;
      setReading(false);
    }
    listener.frame(this, topic, frame);
  }

  /** Called by the actor after it processed a frame of this connection. */
  void processed() {
    inboundPending--;
    if (paused && inboundPending <= limits.maxInboundPending() / 4) {
      paused = false;
      setReading(true);
    }
  }

  /** Pauses or resumes reading from every inbound stream. */
  abstract void setReading(boolean on);

  /** Registers an inbound stream for {@code topic}; false if one is already open. */
  boolean openInbound(TopicId topic) {
    if (inTopics.size() >= limits.maxTopics()) {
      return false;
    }
    return inTopics.add(topic);
  }

  /** An inbound stream ended. */
  void closeInbound(TopicId topic) {
    inTopics.remove(topic);
  }

  @Override
  public String toString() {
    return kind() + "#" + seq + "[" + peer.fmtShort() + (outbound ? " out " : " in ") + remote + "]";
  }

  /** An outbound stream with its bounded queue of frames. */
  abstract class OutStream {
    final TopicId topic;
    final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    boolean ready;
    private boolean finishRequested;
    private boolean finished;
    private boolean failed;

    OutStream(TopicId topic) {
      this.topic = topic;
    }

    boolean offer(byte[] frame) {
      if (finishRequested || failed || queue.size() >= limits.sendQueueFrames()) {
        return false;
      }
      queue.add(frame);
      drain();
      return true;
    }

    /** Writes queued frames while the channel accepts them; finishes when asked and empty. */
    void drain() {
      if (!ready || failed) {
        return;
      }
      boolean wrote = false;
      while (!queue.isEmpty() && writable()) {
        write(queue.poll());
        wrote = true;
      }
      if (wrote) {
        flush();
      }
      if (finishRequested && queue.isEmpty() && !finished) {
        finished = true;
        writeFinish();
      }
    }

    void finish() {
      finishRequested = true;
      drain();
    }

    /** The stream could not be opened or broke: drop what is queued. */
    void fail() {
      failed = true;
      queue.clear();
    }

    abstract boolean writable();

    abstract void write(byte[] frame);

    abstract void flush();

    abstract void writeFinish();
  }
}
