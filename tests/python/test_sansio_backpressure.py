"""Sans-IO API: the pause-reading signal, one pending pong, the stall timeout and
the memory budget shared by connections (core's rules, seen from Python)."""

import pytest

import wscore
from conftest import pair


def test_should_pause_reading_while_events_wait_or_output_is_above_the_mark():
    client, server = pair(output_high_water=1000)
    assert not server.should_pause_reading
    client.send_text("a")
    server.receive_data(client.data_to_send())
    assert server.should_pause_reading  # a message waits for next_event()
    assert isinstance(server.next_event(), wscore.TextMessage)
    assert not server.should_pause_reading
    server.send_binary(bytes(1000))
    assert server.should_pause_reading  # 1004 bytes pending
    server.data_to_send()
    assert not server.should_pause_reading


def test_a_ping_flood_from_a_peer_that_never_reads_queues_one_pong_past_the_mark():
    client, server = pair(output_high_water=60)
    for i in range(1000):
        client.send_ping(i.to_bytes(4, "big"))
        server.receive_data(client.data_to_send())
        server.events()
    client.receive_data(server.data_to_send())
    pongs = [e.payload for e in client.events() if isinstance(e, wscore.Pong)]
    # One pong per ping up to the mark (6 bytes each), then one for the latest.
    assert pongs == [i.to_bytes(4, "big") for i in range(10)] + [(999).to_bytes(4, "big")]


def test_output_stalled_above_the_mark_fails_with_1008():
    client, server = pair(output_high_water=1000, output_stall_timeout=5.0)
    server.handle_timeout(10.0)
    server.send_binary(bytes(5000))
    assert server.next_timeout() == 10.0  # asks for the time to start the stall clock
    server.handle_timeout(10.0)
    assert server.next_timeout() == pytest.approx(15.0)
    server.handle_timeout(15.0)
    [closed] = server.events()
    assert (closed.code, closed.initiator) == (1008, "protocol_error")
    assert closed.error == "peer left more than 1000 bytes unread for 5s"
    assert server.should_close_transport


def test_connections_share_a_memory_budget():
    budget = wscore.MemoryBudget(200_000)
    assert (budget.limit, budget.allowance, budget.used) == (200_000, 65536, 0)
    c1, s1 = pair(memory_budget=budget)
    c2, s2 = pair(memory_budget=budget)
    assert s1.config["memory_budget"] is not None
    c1.send_binary_fragment(bytes(200_000), False)
    s1.receive_data(c1.data_to_send())
    assert s1.events() == [] and budget.used == 200_000 - 65536  # the allowance is not drawn
    c2.send_binary_fragment(bytes(200_000), False)
    s2.receive_data(c2.data_to_send())
    [closed] = s2.events()
    assert closed.code == 1013
    del s1
    assert budget.used == 0


def test_memory_budget_argument_is_checked():
    with pytest.raises(TypeError, match="memory_budget must be a wscore.MemoryBudget"):
        wscore.ServerConnection(memory_budget=64 << 20)
