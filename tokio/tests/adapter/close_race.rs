//! The close race: many tasks send on one connection while another closes it
//! and the peer vanishes. No panic, every send ends `Ok` or `Closed`, every
//! task ends in bounded time; and when the peer stays for a clean close,
//! nothing that a send reported `Ok` before it is lost.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::{bounded, listen};
use futures_util::StreamExt;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message as T;
use wscore_tokio::{connect, Error, Sender};

const TASKS: u32 = 16;
const PER_TASK: u32 = 300;

/// A tungstenite server that reads until `vanish_after` messages (then drops
/// the TCP connection without a word), or to the end. Returns what it read.
fn peer(
    listener: TcpListener,
    vanish_after: Option<usize>,
) -> tokio::task::JoinHandle<BTreeSet<String>> {
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let mut received = BTreeSet::new();
        while let Some(Ok(m)) = ws.next().await {
            if let T::Text(text) = m {
                received.insert(text.to_string());
                if Some(received.len()) == vanish_after {
                    break; // dropping `ws` closes TCP: no close frame, no reply
                }
            }
        }
        received
    })
}

/// `TASKS` tasks sending `PER_TASK` messages each; returns those sent `Ok`.
fn senders(
    sender: &Sender<wscore_tokio::MaybeTlsStream>,
) -> Vec<tokio::task::JoinHandle<Vec<String>>> {
    (0..TASKS)
        .map(|t| {
            let sender = sender.clone();
            tokio::spawn(async move {
                let mut ok = Vec::new();
                for i in 0..PER_TASK {
                    let text = format!("{t}:{i}");
                    match sender.send(text.clone()).await {
                        Ok(()) => ok.push(text),
                        Err(Error::Closed(_)) => {
                            // Closed once, closed for good, for every handle.
                            assert!(matches!(sender.send("again").await, Err(Error::Closed(_))));
                            assert!(matches!(sender.try_send("again"), Err(Error::Closed(_))));
                            break;
                        }
                        Err(e) => panic!("a send ends Ok or Closed, not {e:?}"),
                    }
                    if i % 8 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
                ok
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn senders_racing_a_close_and_a_vanishing_peer_end_ok_or_closed() {
    for round in 0..12u64 {
        bounded("race round", async {
            let (listener, url) = listen().await;
            let peer = peer(listener, Some(50 + 40 * round as usize));
            let (ws, _) = connect(&url).await.unwrap();
            let (sender, mut receiver) = ws.split();
            let reader = tokio::spawn(async move {
                while let Some(item) = receiver.recv().await {
                    if let Err(e) = item {
                        assert!(matches!(e, Error::Failed(_) | Error::Io(_)), "{e:?}");
                    }
                }
                receiver.close_report().expect("the end is reported")
            });
            let tasks = senders(&sender);
            tokio::time::sleep(Duration::from_micros(200 * round)).await;
            let closer = sender.clone();
            let close = tokio::spawn(async move { closer.close(1000, "bye").await });
            let mut sent_ok = 0;
            for task in tasks {
                sent_ok += task.await.expect("no sender panics").len();
            }
            close
                .await
                .expect("the closer does not panic")
                .expect("valid close");
            let closed = reader.await.expect("the reader does not panic");
            eprintln!("round {round}: {sent_ok} sent Ok; {closed:?}");
            assert!(
                matches!(sender.send("after").await, Err(Error::Closed(_))),
                "{closed:?}"
            );
            peer.await.unwrap();
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_sent_ok_before_a_clean_close_is_lost() {
    for round in 0..6u64 {
        bounded("clean round", async {
            let (listener, url) = listen().await;
            let peer = peer(listener, None);
            let (ws, _) = connect(&url).await.unwrap();
            let (sender, mut receiver) = ws.split();
            let reader = tokio::spawn(async move {
                while receiver.recv().await.is_some() {}
                receiver.close_report().unwrap()
            });
            let tasks = senders(&sender);
            tokio::time::sleep(Duration::from_micros(300 * round)).await;
            sender.close(1000, "bye").await.unwrap();
            let mut ok = BTreeSet::new();
            for task in tasks {
                ok.extend(task.await.unwrap());
            }
            let closed = reader.await.unwrap();
            assert!(closed.clean, "{closed:?}");
            let received = peer.await.unwrap();
            let lost: Vec<_> = ok.difference(&received).take(5).collect();
            assert!(lost.is_empty(), "sent Ok, never received: {lost:?}");
            assert_eq!(
                received.len(),
                ok.len(),
                "a send refused with Closed was queued anyway"
            );
        })
        .await;
    }
}
