#include "samba_org_loader.h"

#include <strings.h>

#include <cctype>
#include <chrono>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "exdm/ad/dn.h"
#include "exdm/base/base64.h"
#include "exdm/base/guid.h"
#include "ldif_reader.h"
#include "process.h"

namespace exdm::testing {
namespace {

using GuidMap = std::map<std::string, std::string>;

bool IEquals(const std::string& a, const char* b) {
  return strcasecmp(a.c_str(), b) == 0;
}

bool IsHex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// Calls on_guid(position) for every "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" in `text`.
void ForEachGuidText(const std::string& text, const std::function<void(size_t)>& on_guid) {
  static constexpr size_t kLength = 36;
  for (size_t i = 0; i + kLength <= text.size(); ++i) {
    bool match = true;
    for (size_t k = 0; k < kLength && match; ++k) {
      const bool dash = k == 8 || k == 13 || k == 18 || k == 23;
      match = dash ? text[i + k] == '-' : IsHex(text[i + k]);
    }
    if (match) on_guid(i);
  }
}

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string RewriteGuids(const std::string& text, const GuidMap& map) {
  std::string out = text;
  ForEachGuidText(text, [&](size_t pos) {
    const std::string found = text.substr(pos, 36);
    auto it = map.find(Lower(found));
    if (it == map.end()) return;
    const bool upper = found != Lower(found);
    out.replace(pos, 36, upper ? Upper(it->second) : it->second);
  });
  return out;
}

bool NamesAStore(const LdifEntry& e, const GuidMap& map) {
  bool named = false;
  auto check = [&](const std::string& s) {
    ForEachGuidText(s, [&](size_t pos) {
      if (map.count(Lower(s.substr(pos, 36))) != 0) named = true;
    });
  };
  check(e.dn);
  for (const auto& [name, value] : e.attributes)
    check(value);
  return named;
}

std::string DnKey(const std::string& text) {
  auto dn = Dn::Parse(text);
  return dn.ok() ? dn->key() : Lower(text);
}

bool HasClass(const LdifEntry& e, const char* cls) {
  for (const std::string& v : e.Values("objectClass")) {
    if (IEquals(v, cls)) return true;
  }
  return false;
}

// RFC 2849 SAFE-STRING, else base64.
std::string LdifLine(const std::string& name, const std::string& value) {
  bool safe = value.empty() || (value[0] != ' ' && value[0] != ':' && value[0] != '<');
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0 || c == '\n' || c == '\r' || c >= 0x80) safe = false;
  }
  if (!value.empty() && value.back() == ' ') safe = false;
  if (safe) return name + ": " + value + "\n";
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string b64;
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(value[k])); };
  for (; i + 2 < value.size(); i += 3) {
    const unsigned n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int shift : {18, 12, 6, 0})
      b64 += table[(n >> shift) & 63];
  }
  if (i + 1 == value.size()) {
    const unsigned n = byte(i) << 16;
    b64 += table[(n >> 18) & 63];
    b64 += table[(n >> 12) & 63];
    b64 += "==";
  } else if (i + 2 == value.size()) {
    const unsigned n = byte(i) << 16 | byte(i + 1) << 8;
    b64 += table[(n >> 18) & 63];
    b64 += table[(n >> 12) & 63];
    b64 += table[(n >> 6) & 63];
    b64 += '=';
  }
  return name + ":: " + b64 + "\n";
}

std::string ToLdif(const LdifEntry& e) {
  std::string out = LdifLine("dn", e.dn);
  for (const auto& [name, value] : e.attributes)
    out += LdifLine(name, value);
  return out + "\n";
}

// DN-valued attributes whose target must exist when the entry is added.
bool IsReference(const std::string& name) {
  for (const char* r :
       {"homeMDB", "homeMTA", "msExchOwningServer", "msExchSourceBridgeheadServersDN"}) {
    if (IEquals(name, r)) return true;
  }
  return false;
}

// The class of a stand-in for what `attribute` points at.
const char* StandInClass(const std::string& attribute) {
  if (IEquals(attribute, "homeMDB")) return "msExchPrivateMDB";
  if (IEquals(attribute, "homeMTA")) return "mTA";
  return "msExchExchangeServer";
}

// Builds the add batches in an order AD accepts: an entry whose references name entries of the
// LDIF not added yet waits for them (the generator writes connectors, which name their bridgehead
// servers, before the servers); references to objects the LDIF does not contain get stand-ins.
class BatchBuilder {
 public:
  BatchBuilder(std::unordered_set<std::string> existing, std::unordered_set<std::string> in_ldif,
               std::string config_dn)
      : known_(std::move(existing)),
        in_ldif_(std::move(in_ldif)),
        config_dn_(std::move(config_dn)) {}

  void Add(LdifEntry e) {
    if (!Ready(e)) {
      pending_.push_back(std::move(e));
      return;
    }
    Emit(std::move(e));
    // Whatever waited for this entry may go now.
    for (bool progress = true; progress;) {
      progress = false;
      for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if (!Ready(*it)) continue;
        LdifEntry ready = std::move(*it);
        pending_.erase(it);
        Emit(std::move(ready));
        progress = true;
        break;
      }
    }
  }

  // The batch so far; entries still waiting get stand-ins for what they wait for.
  std::string Take() {
    std::vector<LdifEntry> waiting = std::move(pending_);
    pending_.clear();
    for (LdifEntry& e : waiting)
      Emit(std::move(e));
    count_ = std::exchange(emitted_, 0);
    return std::exchange(text_, std::string());
  }
  // Entries (stand-ins included) in the batch last taken.
  size_t Count() const { return count_; }
  const std::vector<std::string>& stand_ins() const { return stand_ins_; }

 private:
  bool Ready(const LdifEntry& e) const {
    for (const auto& [name, value] : e.attributes) {
      if (!IsReference(name)) continue;
      const std::string key = DnKey(value);
      if (in_ldif_.count(key) != 0 && known_.count(key) == 0) return false;
    }
    return true;
  }

  void Emit(LdifEntry e) {
    for (auto& [name, value] : e.attributes) {
      if (!IsReference(name)) continue;
      if (Lower(value).find("\\0adel:") != std::string::npos) {
        value = TombstoneStandIn(value, name);
      } else if (known_.count(DnKey(value)) == 0) {
        StandIn(value, StandInClass(name));
      }
    }
    known_.insert(DnKey(e.dn));
    text_ += ToLdif(e);
    ++emitted_;
  }

  void StandIn(const std::string& dn_text, const char* cls) {
    auto dn = Dn::Parse(dn_text);
    if (!dn.ok() || dn->empty()) return;  // AD refuses the entry then; reported as refused
    if (known_.count(dn->Parent().key()) == 0) StandIn(dn->Parent().ToString(), "container");
    LdifEntry s;
    s.dn = dn_text;
    s.attributes = {{"objectClass", cls}};
    known_.insert(dn->key());
    stand_ins_.push_back(dn_text);
    text_ += ToLdif(s);
    ++emitted_;
  }

  // "CN=Microsoft MTA\0ADEL:<guid>,CN=Deleted Objects,..." cannot be written; a fresh object with
  // the same name, referenced and then deleted, reads back exactly like that.
  std::string TombstoneStandIn(const std::string& value, const std::string& attribute) {
    auto dn = Dn::Parse(value);
    std::string name = dn.ok() ? dn->LeafValue() : "Deleted";
    name = name.substr(0, name.find('\n'));
    const std::string parent =
        "CN=exdm-deleted-" + std::to_string(++tombstones_) + ",CN=Services," + config_dn_;
    const std::string target = "CN=" + EscapeDnValue(name) + "," + parent;
    StandIn(target, StandInClass(attribute));
    return target;
  }

  std::unordered_set<std::string> known_;
  std::unordered_set<std::string> in_ldif_;
  std::string config_dn_;
  std::vector<LdifEntry> pending_;
  std::string text_;
  std::vector<std::string> stand_ins_;
  int tombstones_ = 0;
  size_t emitted_ = 0;
  size_t count_ = 0;
};

// ldapadd -c: adds what AD accepts; what it refuses lands in the -S file, each record preceded
// by "# Error: <AD's reason>" comments.
::testing::AssertionResult AddBatch(const SambaDc& dc, const std::string& path,
                                    const std::string& text, size_t entries, AdOrganization* out) {
  std::ofstream(path) << text;
  const std::string skipped = path + ".skipped";
  ProcessResult r = dc.AsAdmin("ldapadd", {"-c", "-S", skipped, "-f", path});
  std::ifstream in(skipped);
  std::string reason;
  size_t refused = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# ", 0) == 0) {
      reason += (reason.empty() ? "" : "; ") + line.substr(2);
    } else if (line.rfind("dn: ", 0) == 0 || line.rfind("dn:: ", 0) == 0) {
      std::string dn = line.substr(4);
      if (line[3] == ':' && !Base64Decode(line.substr(5), dn)) dn = line.substr(5);
      out->refused.push_back(dn + ": " + reason);
      reason.clear();
      ++refused;
    }
  }
  out->added += entries - refused;
  if (r.exit_code != 0 && refused == 0) {
    return ::testing::AssertionFailure()
           << "ldapadd -c -f " << path << " exited " << r.exit_code << ":\n"
           << r.output;
  }
  return ::testing::AssertionSuccess();
}

// AD requires homeMTA and deliveryMechanism on every mailGateway, connectors included; the
// generator writes its routing-group connectors without them (slapd does not care). The values
// only satisfy the schema: the audit never reads connectors.
void CompleteConnector(LdifEntry& e, const std::string& connections_dn) {
  if (!HasClass(e, "mailGateway")) return;
  auto dn = Dn::Parse(e.dn);
  if (!dn.ok() || DnKey(dn->Parent().ToString()) == DnKey(connections_dn)) return;  // a mailbox
  if (!e.Has("deliveryMechanism")) e.attributes.emplace_back("deliveryMechanism", "0");
  const std::string bridgehead = e.Value("msExchSourceBridgeheadServersDN");
  if (!e.Has("homeMTA") && !bridgehead.empty()) {
    e.attributes.emplace_back("homeMTA", "CN=Microsoft MTA," + bridgehead);
  }
}

}  // namespace

std::string AdOrganization::Rewrite(const std::string& text) const {
  return RewriteGuids(text, store_guids);
}

::testing::AssertionResult LoadOrganization(const SambaDc& dc, const std::string& ldif_path,
                                            AdOrganization* out) {
  const auto start = std::chrono::steady_clock::now();
  std::ifstream in(ldif_path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::vector<LdifEntry> entries = ParseLdif(buffer.str());
  if (entries.empty()) return ::testing::AssertionFailure() << ldif_path << ": no entries";

  // Generator GUIDs of the stores, keyed by store DN; placeholders until AD has its own.
  GuidMap generator_guids;  // generator guid -> itself (for NamesAStore before the load)
  std::unordered_map<std::string, std::string> guid_of_store;  // store DN key -> generator guid
  for (LdifEntry& e : entries) {
    const bool store = HasClass(e, "msExchPrivateMDB") || HasClass(e, "msExchPublicMDB");
    std::vector<std::pair<std::string, std::string>> kept;
    for (auto& [name, value] : e.attributes) {
      if (IEquals(name, "objectGUID")) {
        if (auto guid = Guid::FromBytes(value); guid && store) {
          generator_guids[guid->ToString()] = guid->ToString();
          guid_of_store[DnKey(e.dn)] = guid->ToString();
        }
        continue;  // AD assigns objectGUID itself and refuses one from a client
      }
      if (IEquals(name, "homeMDBBL")) continue;  // a back link: AD maintains it
      kept.emplace_back(std::move(name), std::move(value));
    }
    e.attributes = std::move(kept);
  }
  std::string connections_dn;
  for (const LdifEntry& e : entries) {
    if (HasClass(e, "msExchOrganizationContainer")) connections_dn = "CN=Connections," + e.dn;
  }
  for (LdifEntry& e : entries)
    CompleteConnector(e, connections_dn);

  // Objects every fresh domain has, which the LDIF builds on.
  std::unordered_set<std::string> existing;
  for (const std::string& dn :
       {SambaDc::domain_dn(), "CN=Users," + SambaDc::domain_dn(), SambaDc::configuration_dn(),
        "CN=Services," + SambaDc::configuration_dn()}) {
    existing.insert(DnKey(dn));
  }
  std::unordered_set<std::string> in_ldif;
  for (const LdifEntry& e : entries)
    in_ldif.insert(DnKey(e.dn));
  BatchBuilder batch(existing, in_ldif, SambaDc::configuration_dn());
  std::vector<const LdifEntry*> second;
  for (const LdifEntry& e : entries) {
    if (NamesAStore(e, generator_guids)) {
      second.push_back(&e);
    } else {
      batch.Add(e);
    }
  }
  {
    const std::string text = batch.Take();  // before Count()
    if (auto r = AddBatch(dc, dc.dir() + "/load-1.ldif", text, batch.Count(), out); !r) return r;
  }

  // The GUIDs AD gave the stores.
  ProcessResult stores =
      dc.Search(SambaDc::configuration_dn(), "sub", "(objectClass=msExchMDB)", {"objectGUID"});
  if (!stores.ok()) {
    return ::testing::AssertionFailure() << "reading the stores' objectGUIDs:\n" << stores.output;
  }
  for (const LdifEntry& s : ParseLdif(stores.output)) {
    auto it = guid_of_store.find(DnKey(s.dn));
    auto guid = Guid::FromBytes(s.Value("objectGUID"));
    if (it != guid_of_store.end() && guid) out->store_guids[it->second] = guid->ToString();
  }

  for (const LdifEntry* e : second) {
    LdifEntry rewritten;
    rewritten.dn = out->Rewrite(e->dn);
    for (const auto& [name, value] : e->attributes)
      rewritten.attributes.emplace_back(name, out->Rewrite(value));
    batch.Add(std::move(rewritten));
  }
  {
    const std::string text = batch.Take();  // before Count()
    if (auto r = AddBatch(dc, dc.dir() + "/load-2.ldif", text, batch.Count(), out); !r) return r;
  }

  // Deleting the stand-ins turns the references to them into what AD shows for deleted objects.
  out->stand_ins = batch.stand_ins();
  for (auto it = out->stand_ins.rbegin(); it != out->stand_ins.rend(); ++it) {
    if (auto r = dc.Delete(*it); !r) return r;
  }
  out->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return ::testing::AssertionSuccess();
}

}  // namespace exdm::testing
