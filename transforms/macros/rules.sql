{#- Accessors for the rules of engagement (the `rules` var); SQL never hard-codes a rule. -#}
{% macro rule(path) -%}
    {%- set found = namespace(node=var('rules')) -%}
    {%- for key in path.split('.') -%}{%- set found.node = found.node[key] -%}{%- endfor -%}
    {{- return(found.node) -}}
{%- endmacro %}

{#- The run date: the `as_of_date` var (the daily runs give it to the build, not to the
    parse, so a new date parses nothing again; unit tests give it too), a constant the
    engine can prune by. Without it (a `dbt build` by hand), the date of the last run, which
    the orchestration writes to main.run_date. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) is not none -%}
    cast({{ sql_string(var('as_of_date')) }} as date)
    {%- else -%}
    (select as_of_date from main.run_date)
    {%- endif -%}
{%- endmacro %}

{#- A value from the rules (or any text) as a SQL string literal: the only way rule text
    reaches SQL. Dispatched, as string escapes differ between engines: standard SQL (DuckDB)
    reads a backslash as itself, Spark's parser as an escape, so there a value ending in
    one would swallow the closing quote. Control characters never get here: the rules'
    validation refuses them. -#}
{% macro sql_string(value) -%}
    {{- return(adapter.dispatch('sql_string', 'dynamic_books')(value)) -}}
{%- endmacro %}

{% macro default__sql_string(value) -%}
    {{- return("'" ~ (value | string | replace("'", "''")) ~ "'") -}}
{%- endmacro %}

{% macro spark__sql_string(value) -%}
    {{- return("'" ~ (value | string | replace("\\", "\\\\") | replace("'", "''")) ~ "'") -}}
{%- endmacro %}

{#- The segment an account belongs to: the first whose revenue or employee floor it meets
    (a floor the rules leave out, or 0, is no criterion); the last segment catches the rest,
    and validation (engagement/rules.py) makes sure every other one sets a floor. -#}
{% macro segment_case(revenue, employees) -%}
    {%- set segments = rule('segments') -%}
    {%- set columns = {'annual_revenue': revenue, 'number_of_employees': employees} -%}
    {%- if segments | length == 1 -%}
    {{ sql_string(segments[0].name) }}
    {%- else -%}
    case
    {%- for s in segments[:-1] %}
        {%- set floors = [] %}
        {%- if s.min_annual_revenue %}{% do floors.append(columns.annual_revenue ~ ' >= ' ~ s.min_annual_revenue) %}{% endif %}
        {%- if s.min_employees %}{% do floors.append(columns.number_of_employees ~ ' >= ' ~ s.min_employees) %}{% endif %}
        when {{ floors | join(' or ') }} then {{ sql_string(s.name) }}
    {%- endfor %}
        else {{ sql_string((segments | last).name) }}
    end
    {%- endif -%}
{%- endmacro %}

{#- Points for the first band whose floor the value meets. -#}
{% macro points_bands(column, bands) -%}
    {%- if bands | length == 0 -%}0{%- else -%}
    case
    {%- for b in bands | sort(attribute='min', reverse=true) %}
        when coalesce({{ column }}, 0) >= {{ b.min }} then {{ b.points }}
    {%- endfor %}
        else 0
    end
    {%- endif -%}
{%- endmacro %}

{#- A value as rule keys are matched: case and surrounding or repeated spaces aside. -#}
{% macro rule_key(expr) -%}
    lower(trim({{ regexp_replace_all(expr, '\s+', ' ') }}))
{%- endmacro %}

{#- A rule key as `rule_key` makes a value, in Jinja. -#}
{% macro rule_key_of(key) -%}
    {{- return((key | string | lower).split() | join(' ')) -}}
{%- endmacro %}

{#- Points looked up by value, matched as `rule_key` (`software` scores as `Software`). -#}
{% macro points_lookup(column, points) -%}
    {%- if points | length == 0 -%}0{%- else -%}
    case {{ rule_key(column) }}
    {%- for key, value in points.items() %}
        when {{ sql_string(rule_key_of(key)) }} then {{ value }}
    {%- endfor %}
        else 0
    end
    {%- endif -%}
{%- endmacro %}

{#- A website, URL or e-mail reduced to its registrable domain: scheme, path, port,
    `www.` and subdomains go, case is folded. `https://www.Acme.com/pricing` -> `acme.com`.
    Inline, the host's expression appears twice: a model over many rows computes the
    host once (`website_host`) and its domain from it (`domain_of_host`). -#}
{% macro registrable_domain(expr) -%}
    {{ domain_of_host(website_host(expr)) }}
{%- endmacro %}

{#- The host of a website, URL or e-mail: scheme, user, path, port and a final dot go. -#}
{% macro website_host(expr) -%}
    {%- set lowered = 'lower(trim(' ~ expr ~ '))' -%}
    {%- set no_scheme = regexp_replace_all(lowered, '^[a-z][a-z0-9+.-]*://', '') -%}
    {%- set no_user = regexp_replace_all(no_scheme, '^[^@/]*@', '') -%}
    {%- set no_path = regexp_replace_all(no_user, '[/?#:].*$', '') -%}
    {{ regexp_replace_all(no_path, '\.$', '') }}
{%- endmacro %}

{#- A host's registrable domain: its last two labels, three under a country's co/com/org. -#}
{% macro domain_of_host(host) -%}
    nullif(coalesce(
        nullif(regexp_extract({{ host }}, {{ regex('[a-z0-9-]+\.(co|com|org|net|ac|gov|edu)\.[a-z][a-z]$') }}, 0), ''),
        regexp_extract({{ host }}, {{ regex('[a-z0-9-]+\.[a-z0-9-]+$') }}, 0)
    ), '')
{%- endmacro %}

{#- Points left of a signal after exponential decay with the rules' half-life. -#}
{% macro decayed(points, observed_on) -%}
    ({{ points }}) * power(0.5, {{ dbt.datediff('cast(' ~ observed_on ~ ' as date)', as_of_date(), 'day') }}
        / {{ rule('timing.half_life_days') }})
{%- endmacro %}

{#- A SQL IN-list of strings; an empty list matches nothing. -#}
{% macro sql_list(values) -%}
    {%- if values | length == 0 -%}(null){%- else -%}
    ({%- for v in values -%}{{ sql_string(v) }}{{ ", " if not loop.last }}{%- endfor -%})
    {%- endif -%}
{%- endmacro %}

-- The key of a rules mapping (name -> list of codes) whose list holds `expr`; null if none.
{% macro country_lookup(mapping, expr) -%}
    {%- set entries = rule(mapping) -%}
    {%- if entries -%}
    case ({{ expr }})
    {%- for name, codes in entries.items() %}
        {%- for code in codes %}
        when {{ sql_string(code) }} then {{ sql_string(name) }}
        {%- endfor %}
    {%- endfor %}
    end
    {%- else -%}
    cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

-- The books an account can sit in at once (engagement.rules.Rules.lanes), as a relation
-- with one column, lane.
{% macro lanes_relation() -%}
    ({%- for lane in rule('derived.lanes') %}select {{ sql_string(lane) }} as lane{{ ' union all ' if not loop.last }}{% endfor -%})
{%- endmacro %}

-- The input and the SQL behind int_accounts__domains, as one value (see that model).
{% macro domains_built_from() -%}
    {{- build_fingerprint(registrable_domain("website"), ['account_id', 'website'], ref('stg_salesforce__accounts')) -}}
{%- endmacro %}

-- Whether int_accounts__domains must be built again (run at compile time, incremental only).
{% macro domains_are_stale() -%}
    {%- if not (is_incremental() and execute) or not has_fingerprint() -%}
    {{- return(true) -}}
    {%- endif -%}
    {%- set stale = run_query(
        "select count(*) from (" ~ domains_built_from() ~ ") "
        ~ "where built_from not in (select built_from from " ~ this ~ ")"
    ) -%}
    {{ return(stale.columns[0].values()[0] > 0) }}
{%- endmacro %}

-- Pre-hook of int_accounts__domains: a stale table is emptied (every row came from the one
-- build before), and one built before the fingerprint existed gets its column.
{% macro drop_stale_domains() -%}
    {%- if is_incremental() and domains_are_stale() -%}
    {{- adapter.dispatch('drop_stale_domains')() -}}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__drop_stale_domains() -%}
    delete from {{ this }}
    {%- if not has_fingerprint() %}; alter table {{ this }} add column built_from varchar{% endif %}
{%- endmacro %}

{% macro default__drop_stale_domains() -%}
    {{- incremental_only('int_accounts__domains') -}}
{%- endmacro %}
