// firebus — fire-safety IoT SDK.
// libFuzzer target for the Sparkplug B payload decoder (<firebus/telemetry/sparkplug.hpp>) and the
// edge node's command handling (<firebus/telemetry/sparkplug_node.hpp>).
//
// The input is the bytes of a Sparkplug B Payload. Checked with __builtin_trap() (besides ASan
// and UBSan):
//   - success and error are exclusive: an error leaves an empty payload and says why;
//   - what decodes encodes again, and that decodes to an equal payload (the encoder accepts
//     everything the decoder does), also without datatypes;
//   - every metric decoded without a datatype resolves, or is refused, under every datatype
//     without a crash;
//   - small limits refuse, never crash;
//   - an edge node given the bytes as an NCMD and a DCMD reports problems, never crashes, and
//     what it publishes (births after a rebirth) decodes;
//   - a node waiting for its primary host, given the bytes as the host's STATE, publishes births
//     only when it then says the host is online (and they decode), and never both publishes and
//     asks for a disconnect.
#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include <firebus/core/point.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/sparkplug.hpp>
#include <firebus/telemetry/sparkplug_node.hpp>

#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

namespace {

namespace spb = firebus::telemetry::sparkplug;

spb::edge_node make_node(const char* primary_host = "") {
  spb::node_config c;
  c.primary_host_id = primary_host;
  c.group_id = "fire";
  c.edge_node_id = "gw";
  c.metrics.push_back({"Node Info/Uptime", spb::data_type::uint64, std::uint64_t{0}});
  spb::device_decl d;
  d.id = "panel1";
  const spb::data_type types[] = {
      spb::data_type::int8,   spb::data_type::int16,   spb::data_type::int32,
      spb::data_type::int64,  spb::data_type::uint8,   spb::data_type::uint32,
      spb::data_type::float_, spb::data_type::double_, spb::data_type::boolean,
      spb::data_type::string, spb::data_type::bytes,   spb::data_type::datetime};
  int i = 0;
  for (const spb::data_type t : types) d.metrics.push_back({"m" + std::to_string(i++), t});
  d.alarms.push_back({"b1/ir", "HI", firebus::alarm_class::fire});
  c.devices.push_back(d);
  spb::edge_node node(c);
  node.will();
  node.on_connected(1);
  return node;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::error_code ec;
  std::string why;
  const spb::payload p = spb::decode_payload(data, size, ec, {}, &why);
  if (ec) {
    FIREBUS_FUZZ_CHECK(p == spb::payload{});
    FIREBUS_FUZZ_CHECK(!why.empty());
  } else {
    const spb::bytes again = spb::encode(p, ec, {}, &why);
    FIREBUS_FUZZ_CHECK(!ec);
    const spb::payload back = spb::decode_payload(again.data(), again.size(), ec);
    FIREBUS_FUZZ_CHECK(!ec);
    FIREBUS_FUZZ_CHECK(back == p);
    const spb::bytes lean = spb::encode_without_datatypes(p, ec);
    FIREBUS_FUZZ_CHECK(!ec);
    FIREBUS_FUZZ_CHECK(lean.size() <= again.size());
    for (const spb::metric& m : p.metrics) {
      if (m.datatype != spb::data_type::unknown) continue;
      for (std::uint32_t t = 0; t <= 35; ++t) {
        std::error_code rec;
        const spb::metric_value v =
            spb::resolve_datatype(m.value, static_cast<spb::data_type>(t), rec);
        if (rec) FIREBUS_FUZZ_CHECK(std::holds_alternative<std::monostate>(v));
      }
    }
  }
  spb::limits tight;
  tight.max_payload_bytes = 64;
  tight.max_metrics = 2;
  tight.max_properties = 2;
  tight.max_depth = 1;
  spb::decode_payload(data, size, ec, tight);

  static const spb::edge_node prototype = make_node();
  spb::edge_node node = prototype;
  for (const char* topic : {"spBv1.0/fire/NCMD/gw", "spBv1.0/fire/DCMD/gw/panel1"}) {
    const spb::incoming in = node.on_message(topic, data, size, 2);
    FIREBUS_FUZZ_CHECK(in.problems.empty() == !in.error);
    for (const spb::message& m : in.publish) {
      spb::decode_payload(m.payload.data(), m.payload.size(), ec);
      FIREBUS_FUZZ_CHECK(!ec);
    }
  }
  static const spb::edge_node waiting = make_node("scada");
  spb::edge_node host_node = waiting;
  const spb::incoming st = host_node.on_message("spBv1.0/STATE/scada", data, size, 3);
  FIREBUS_FUZZ_CHECK(st.problems.empty() == !st.error);
  FIREBUS_FUZZ_CHECK(!(st.disconnect && !st.publish.empty()));
  FIREBUS_FUZZ_CHECK(st.publish.empty() || (host_node.born() && host_node.host_online()));
  for (const spb::message& m : st.publish) {
    spb::decode_payload(m.payload.data(), m.payload.size(), ec);
    FIREBUS_FUZZ_CHECK(!ec);
  }
  return 0;
}
