//! Interop with tokio-tungstenite over 127.0.0.1, both ways: wscore-tokio as
//! the server with a tungstenite client, and as the client of a tungstenite
//! server. Text, binary, fragments, pings, close from either side, sends from
//! several tasks, and an abrupt disconnect.

use std::collections::BTreeSet;

use crate::common::{bounded, listen};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode as TCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame as TCloseFrame, Frame};
use tokio_tungstenite::tungstenite::Message as T;
use wscore_tokio::{accept, client, connect, ClientRequest, Error, Initiator, Message};

type Tung = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// A wscore-tokio echo server for one connection; returns how it ended.
async fn echo_server_once() -> (tokio::task::JoinHandle<wscore_tokio::Closed>, Tung) {
    let (listener, url) = listen().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = accept(tcp).await.unwrap();
        while let Some(message) = ws.recv().await {
            match message {
                Ok(m @ (Message::Text(_) | Message::Binary(_))) => {
                    let _ = ws.send(m).await;
                }
                Ok(_) => {}
                Err(e) => eprintln!("server stream error: {e}"),
            }
        }
        ws.close_report().expect("ended")
    });
    let (client, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    (server, client)
}

async fn next_data(client: &mut Tung) -> T {
    loop {
        let m = client.next().await.expect("a message").unwrap();
        if let T::Text(_) | T::Binary(_) | T::Pong(_) | T::Close(_) = m {
            return m;
        }
    }
}

#[tokio::test]
async fn server_echoes_text_binary_and_fragments_to_tungstenite() {
    bounded("echo", async {
        let (server, mut client) = echo_server_once().await;
        client.send(T::text("hello")).await.unwrap();
        assert_eq!(next_data(&mut client).await, T::text("hello"));

        let big: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        client.send(T::binary(big.clone())).await.unwrap();
        assert_eq!(next_data(&mut client).await, T::binary(big));

        // A text message in three fragments, a ping between two of them.
        let frag = |data: &'static str, op, fin| T::Frame(Frame::message(data, op, fin));
        client
            .feed(frag("frag", OpCode::Data(Data::Text), false))
            .await
            .unwrap();
        client.feed(T::Ping("mid".into())).await.unwrap();
        client
            .feed(frag("men", OpCode::Data(Data::Continue), false))
            .await
            .unwrap();
        client
            .send(frag("ted ✓", OpCode::Data(Data::Continue), true))
            .await
            .unwrap();
        assert_eq!(next_data(&mut client).await, T::Pong("mid".into()));
        assert_eq!(next_data(&mut client).await, T::text("fragmented ✓"));

        // The client closes: the server replies and reports a clean remote close.
        let frame = TCloseFrame {
            code: TCode::Library(4001),
            reason: "bye".into(),
        };
        client.close(Some(frame)).await.unwrap();
        while let Some(Ok(_)) = client.next().await {}
        drop(client); // the server waits for our TCP close after a clean close
        let closed = server.await.unwrap();
        assert!(closed.clean);
        assert_eq!((closed.code.0, closed.reason.as_str()), (4001, "bye"));
        assert_eq!(closed.initiator, Initiator::Remote);
    })
    .await;
}

#[tokio::test]
async fn server_pings_then_closes_and_sends_after_close_are_typed() {
    bounded("server close", async {
        let (listener, url) = listen().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = accept(tcp).await.unwrap();
            ws.send(Message::Ping("are you there".into()))
                .await
                .unwrap();
            let pong = ws.recv().await.unwrap().unwrap();
            assert_eq!(pong, Message::Pong("are you there".into()));
            let sender = ws.sender();
            let closed = ws.close(4000, "done").await.unwrap();
            let late = sender.send("late").await;
            (closed, late)
        });
        let (mut client, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut close = None;
        while let Some(Ok(m)) = client.next().await {
            if let T::Close(frame) = m {
                close = frame;
            }
        }
        drop(client);
        let close = close.expect("the server's close frame");
        assert_eq!(
            (u16::from(close.code), close.reason.as_str()),
            (4000, "done")
        );
        let (closed, late) = server.await.unwrap();
        assert!(closed.clean, "{closed:?}");
        assert_eq!((closed.code.0, closed.initiator), (4000, Initiator::Local));
        let Err(Error::Closed(info)) = late else {
            panic!("{late:?}")
        };
        assert_eq!(
            (info.code.0, info.reason.as_str(), info.initiator),
            (4000, "done", Initiator::Local)
        );
    })
    .await;
}

#[tokio::test]
async fn abrupt_disconnect_ends_the_stream_with_an_error_and_sends_are_closed() {
    bounded("abrupt", async {
        let (listener, url) = listen().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = accept(tcp).await.unwrap();
            let first = ws.recv().await.unwrap().unwrap();
            assert_eq!(first, Message::text("before"));
            let end = ws.recv().await;
            let after = ws.recv().await;
            let late = ws.send("late").await;
            (end, after, late, ws.close_report().unwrap())
        });
        let (mut client, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        client.send(T::text("before")).await.unwrap();
        drop(client); // no close frame: the TCP connection just ends
        let (end, after, late, closed) = server.await.unwrap();
        assert!(
            matches!(end, Some(Err(Error::Failed(_)) | Err(Error::Io(_)))),
            "{end:?}"
        );
        assert!(after.is_none());
        assert_eq!(
            (closed.code.0, closed.clean, closed.initiator),
            (1006, false, Initiator::Transport)
        );
        let Err(Error::Closed(info)) = late else {
            panic!("{late:?}")
        };
        assert_eq!((info.code.0, info.initiator), (1006, Initiator::Transport));
    })
    .await;
}

#[tokio::test]
async fn concurrent_sends_and_closes_from_several_tasks_lose_nothing_sent_ok() {
    bounded("concurrent", async {
        let (listener, url) = listen().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let (sender, mut receiver) = accept(tcp).await.unwrap().split();
            let mut tasks = Vec::new();
            for t in 0..8u32 {
                let sender = sender.clone();
                tasks.push(tokio::spawn(async move {
                    let mut ok = Vec::new();
                    for i in 0..200u32 {
                        let text = format!("{t}:{i}");
                        match sender.send(text.clone()).await {
                            Ok(()) => ok.push(text),
                            Err(Error::Closed(info)) => {
                                assert_eq!((info.code.0, info.initiator), (1000, Initiator::Local));
                                break;
                            }
                            Err(e) => panic!("send: {e}"),
                        }
                        if i % 16 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                    ok
                }));
            }
            // Three tasks close at once, after some messages went out.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let closers: Vec<_> = (0..3)
                .map(|_| {
                    let sender = sender.clone();
                    tokio::spawn(async move { sender.close(1000, "enough").await })
                })
                .collect();
            while receiver.recv().await.is_some() {}
            let mut ok = BTreeSet::new();
            for task in tasks {
                ok.extend(task.await.unwrap());
            }
            let outcomes: Vec<_> = futures_util::future::join_all(closers).await;
            let sent = outcomes
                .iter()
                .filter(|o| matches!(o, Ok(Ok(wscore_tokio::CloseOutcome::Sent))))
                .count();
            assert_eq!(
                sent, 1,
                "one close sends the frame, the others are told: {outcomes:?}"
            );
            (ok, receiver.close_report().unwrap())
        });
        let (mut client, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut received = BTreeSet::new();
        while let Some(Ok(m)) = client.next().await {
            if let T::Text(text) = m {
                assert!(received.insert(text.to_string()), "received twice: {text}");
            }
        }
        drop(client);
        let (ok, closed) = server.await.unwrap();
        assert!(closed.clean, "{closed:?}");
        // A clean close: every send that returned Ok arrived, before the close.
        let missing: Vec<_> = ok.difference(&received).collect();
        assert!(missing.is_empty(), "sent Ok but lost: {missing:?}");
        // And a send refused with Closed was not queued.
        assert_eq!(received, ok);
    })
    .await;
}

/// A tungstenite echo server for one connection that sends fragments and a
/// ping first, then echoes; returns the close frame it received.
async fn tungstenite_server() -> (tokio::task::JoinHandle<Option<TCloseFrame>>, String) {
    let (listener, url) = listen().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let frag = |data: &'static [u8], op, fin| T::Frame(Frame::message(data, op, fin));
        ws.feed(frag(b"\x01\x02", OpCode::Data(Data::Binary), false))
            .await
            .unwrap();
        ws.feed(frag(b"\x03", OpCode::Data(Data::Continue), true))
            .await
            .unwrap();
        ws.send(T::Ping("hi".into())).await.unwrap();
        let mut close = None;
        while let Some(Ok(m)) = ws.next().await {
            match m {
                T::Text(_) | T::Binary(_) => ws.send(m).await.unwrap(),
                T::Close(frame) => close = frame,
                _ => {}
            }
        }
        close
    });
    (server, url)
}

#[tokio::test]
async fn client_talks_to_a_tungstenite_server_and_closes() {
    bounded("client", async {
        let (server, url) = tungstenite_server().await;
        let (mut ws, response) = connect(&url).await.unwrap();
        assert_eq!(response.status, 101);
        assert_eq!(
            ws.recv().await.unwrap().unwrap(),
            Message::binary(vec![1u8, 2, 3])
        );
        assert_eq!(
            ws.recv().await.unwrap().unwrap(),
            Message::Ping("hi".into())
        );
        ws.send("hello").await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap(), Message::text("hello"));
        let big = wscore_tokio::Bytes::from(vec![7u8; 1 << 20]);
        ws.send(big.clone()).await.unwrap();
        assert_eq!(ws.recv().await.unwrap().unwrap(), Message::Binary(big));
        let closed = ws.close(1000, "client done").await.unwrap();
        assert!(closed.clean, "{closed:?}");
        assert_eq!(closed.initiator, Initiator::Local);
        let frame = server.await.unwrap().expect("our close frame");
        assert_eq!(
            (u16::from(frame.code), frame.reason.as_str()),
            (1000, "client done")
        );
    })
    .await;
}

#[tokio::test]
async fn client_sees_the_tungstenite_servers_close() {
    bounded("server closes", async {
        let (listener, url) = listen().await;
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            let frame = TCloseFrame { code: TCode::Away, reason: "restarting".into() };
            ws.close(Some(frame)).await.unwrap();
            while let Some(Ok(_)) = ws.next().await {}
        });
        let tcp = TcpStream::connect(url.trim_start_matches("ws://").trim_end_matches('/'))
            .await
            .unwrap();
        let (mut ws, _) = client(tcp, ClientRequest::new(url)).await.unwrap();
        let sender = ws.sender();
        let Some(Ok(Message::Close(Some(frame)))) = ws.recv().await else { panic!("a close") };
        assert_eq!((frame.code.0, frame.reason.as_str()), (1001, "restarting"));
        assert!(ws.recv().await.is_none(), "the stream ends after the close");
        let closed = ws.close_report().unwrap();
        assert!(closed.clean && closed.initiator == Initiator::Remote, "{closed:?}");
        let late = sender.send("late").await;
        assert!(matches!(&late, Err(Error::Closed(i)) if i.initiator == Initiator::Remote && i.code.0 == 1001), "{late:?}");
        server.await.unwrap();
    })
    .await;
}
