package dev.whodrove.ingest.gcp;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.pubsub.v1.AcknowledgeRequest;
import com.google.pubsub.v1.ModifyAckDeadlineRequest;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.ReceivedMessage;
import com.google.pubsub.v1.StreamingPullRequest;
import com.google.pubsub.v1.StreamingPullResponse;
import com.google.pubsub.v1.SubscriberGrpc;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Pub/Sub Subscriber service for the real client library: StreamingPull delivers queued messages, Acknowledge
 * acks, ModifyAckDeadline with 0 s nacks (the message is queued again with a new ack id). Every delivery gets its own
 * ack id, so a late receipt extension for an already nacked delivery changes nothing.
 */
final class FakePubSubServer extends SubscriberGrpc.SubscriberImplBase {
  private record Msg(String id, ByteString data) {}

  private final Deque<Msg> pending = new ArrayDeque<>();
  private final Map<String, Msg> outstanding = new ConcurrentHashMap<>();
  private final List<StreamObserver<StreamingPullResponse>> streams = new CopyOnWriteArrayList<>();
  private final AtomicInteger deliveryCounter = new AtomicInteger();
  final Set<String> acked = ConcurrentHashMap.newKeySet();
  final AtomicInteger ackCalls = new AtomicInteger();
  final AtomicInteger nacks = new AtomicInteger();
  final AtomicInteger deliveries = new AtomicInteger();
  final List<String> firstRequestSubscriptions = new CopyOnWriteArrayList<>();

  void enqueue(String messageId, byte[] data) {
    synchronized (this) {
      pending.add(new Msg(messageId, ByteString.copyFrom(data)));
    }
    deliverPending();
  }

  private synchronized void deliverPending() {
    if (streams.isEmpty()) {
      return;
    }
    StreamObserver<StreamingPullResponse> stream = streams.get(0);
    List<ReceivedMessage> batch = new ArrayList<>();
    while (!pending.isEmpty()) {
      Msg m = pending.poll();
      String ackId = m.id() + "#" + deliveryCounter.incrementAndGet();
      outstanding.put(ackId, m);
      deliveries.incrementAndGet();
      batch.add(ReceivedMessage.newBuilder().setAckId(ackId)
          .setMessage(PubsubMessage.newBuilder().setMessageId(m.id()).setData(m.data())).build());
    }
    if (!batch.isEmpty()) {
      stream.onNext(StreamingPullResponse.newBuilder().addAllReceivedMessages(batch).build());
    }
  }

  private void ack(String ackId) {
    ackCalls.incrementAndGet();
    Msg m = outstanding.remove(ackId);
    if (m != null) {
      acked.add(m.id());
    }
  }

  private void modify(String ackId, int seconds) {
    if (seconds != 0) {
      return;
    }
    Msg m = outstanding.remove(ackId);
    if (m != null) {
      nacks.incrementAndGet();
      synchronized (this) {
        pending.add(m);
      }
      deliverPending();
    }
  }

  @Override
  public StreamObserver<StreamingPullRequest> streamingPull(StreamObserver<StreamingPullResponse> responses) {
    return new StreamObserver<>() {
      private boolean first = true;

      @Override
      public void onNext(StreamingPullRequest req) {
        if (first) {
          first = false;
          firstRequestSubscriptions.add(req.getSubscription());
          streams.add(responses);
        }
        req.getAckIdsList().forEach(FakePubSubServer.this::ack);
        for (int i = 0; i < req.getModifyDeadlineAckIdsCount(); i++) {
          modify(req.getModifyDeadlineAckIds(i), req.getModifyDeadlineSeconds(i));
        }
        deliverPending();
      }

      @Override
      public void onError(Throwable t) {
        streams.remove(responses);
      }

      @Override
      public void onCompleted() {
        streams.remove(responses);
        responses.onCompleted();
      }
    };
  }

  @Override
  public void acknowledge(AcknowledgeRequest request, StreamObserver<Empty> response) {
    request.getAckIdsList().forEach(this::ack);
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void modifyAckDeadline(ModifyAckDeadlineRequest request, StreamObserver<Empty> response) {
    request.getAckIdsList().forEach(id -> modify(id, request.getAckDeadlineSeconds()));
    response.onNext(Empty.getDefaultInstance());
    response.onCompleted();
  }
}
