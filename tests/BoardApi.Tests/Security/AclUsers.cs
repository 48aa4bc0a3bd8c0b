using System.Text.RegularExpressions;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Security;

/// <summary>
/// The users of deploy/redis/users.acl.template as Redis reads them, for a prefix: read the way render-users-acl.sh
/// renders it (comments dropped, indented lines joined to their user), matched the way Redis matches key and channel
/// patterns.
/// </summary>
public sealed class AclUsers
{
    private readonly Dictionary<string, User> _users;

    private AclUsers(Dictionary<string, User> users) => _users = users;

    public static AclUsers Load(string prefix, string template = "users.acl.template")
    {
        var users = new Dictionary<string, User>();
        var lines = new List<string>();
        foreach (var raw in File.ReadAllLines(Repository.PathOf("deploy", "redis", template)))
        {
            var line = raw.Replace("${PREFIX}", prefix, StringComparison.Ordinal);
            if (line.TrimStart() is "" or ['#', ..])
            {
                continue;
            }

            if (char.IsWhiteSpace(line[0]))
            {
                lines[^1] += " " + line.Trim();
            }
            else
            {
                lines.Add(line);
            }
        }

        foreach (var line in lines)
        {
            var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("user", tokens[0]);
            users.Add(tokens[1], new User(tokens[2..]));
        }

        return new AclUsers(users);
    }

    public User this[string name] => _users[name];

    public IReadOnlyCollection<string> Names => _users.Keys;

    /// <summary>One user's rules (those this system writes: on/off, key, channel and command rules).</summary>
    public sealed class User(string[] rules)
    {
        public IReadOnlyList<string> Rules => rules;

        public bool Enabled => rules.Contains("on") && !rules.Contains("off");

        /// <summary>The key patterns with the access each grants: <c>~</c> both, <c>%R~</c>, <c>%W~</c>, <c>%RW~</c>.</summary>
        public IEnumerable<(string Pattern, bool Read, bool Write)> KeyPatterns => rules.Select(rule => rule switch
        {
            ['~', .. var pattern] => (pattern, true, true),
            ['%', .. var rest] when rest.IndexOf('~') is var at and > 0 =>
                (rest[(at + 1)..], rest[..at].Contains('R'), rest[..at].Contains('W')),
            "allkeys" => ("*", true, true),
            _ => (null!, false, false),
        }).Where(entry => entry.Item1 is not null);

        public IEnumerable<string> ChannelPatterns => rules
            .Where(rule => rule.StartsWith('&') || rule == "allchannels")
            .Select(rule => rule == "allchannels" ? "*" : rule[1..]);

        public bool CanRead(string key) => KeyPatterns.Any(entry => entry.Read && Glob.Matches(entry.Pattern, key));

        public bool CanWrite(string key) => KeyPatterns.Any(entry => entry.Write && Glob.Matches(entry.Pattern, key));

        public bool CanUseChannel(string channel) => ChannelPatterns.Any(pattern => Glob.Matches(pattern, channel));

        /// <summary>Whether it may run <paramref name="command"/> ("get", "client|setname"), from its +/- rules in order.</summary>
        public bool Allows(string command)
        {
            var allowed = false;
            foreach (var rule in rules)
            {
                if (rule is "+@all" or "allcommands")
                {
                    allowed = true;
                }
                else if (rule is "-@all" or "nocommands")
                {
                    allowed = false;
                }
                else if (rule.Length > 1 && rule[0] is '+' or '-' && rule[1] != '@'
                    && (rule[1..] == command || command.StartsWith(rule[1..] + "|", StringComparison.Ordinal)))
                {
                    allowed = rule[0] == '+';
                }
            }

            return allowed;
        }
    }

    /// <summary>Redis's glob (stringmatchlen), which ACL key and channel patterns use: <c>*</c> and <c>?</c> here.</summary>
    public static class Glob
    {
        public static bool Matches(string pattern, string value)
        {
            if (pattern.IndexOfAny(['[', '\\']) >= 0)
            {
                throw new NotSupportedException($"'{pattern}': the template uses only * and ? (match it here before using more).");
            }

            var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
            return Regex.IsMatch(value, regex, RegexOptions.Singleline);
        }
    }
}
