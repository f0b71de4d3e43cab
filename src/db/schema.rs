//! The tables, in the portable types both backends share (see `migrations/`).

diesel::table! {
    agencies (code) {
        code -> Text,
        parent_code -> Nullable<Text>,
        kind -> Text,
        name_vi -> Text,
        name_en -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
    }
}

diesel::table! {
    agency_successors (agency_code, successor_code) {
        agency_code -> Text,
        successor_code -> Text,
    }
}

diesel::table! {
    survey_versions (survey_id, version) {
        survey_id -> Text,
        version -> Integer,
        content_hash -> Text,
        registered_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        key_hash -> Text,
        scope -> Text,
        agency_code -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        token_hash -> Text,
        agency_code -> Text,
        /// `domain::token::dossier_hash` of the dossier code; never the code itself.
        dossier_hash -> Text,
        field -> Text,
        procedure_code -> Nullable<Text>,
        channel -> Text,
        handled_on -> Date,
        survey_id -> Text,
        survey_version -> Integer,
        locale -> Text,
        email -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    /// One keyed hash per answered survey link (`InvitationToken::used_tag`), written by the
    /// submit instead of touching the invitation.
    used_tokens (tag) {
        tag -> Text,
    }
}

diesel::table! {
    /// Invitations answered before `used_tokens` existed, until the next start converts them.
    legacy_answered (invitation_id) {
        invitation_id -> Text,
    }
}

diesel::table! {
    responses (id) {
        id -> Text,
        survey_id -> Text,
        survey_version -> Integer,
        agency_code -> Text,
        field -> Text,
        procedure_code -> Nullable<Text>,
        channel -> Text,
        submitted_on -> Date,
        locale -> Text,
        comment -> Nullable<Text>,
        respondent -> Nullable<Text>,
        gender -> Nullable<Text>,
        age_group -> Nullable<Text>,
        education -> Nullable<Text>,
        occupation -> Nullable<Text>,
        /// Whether `store::aggregates::fold_pending` has added it to the counters yet.
        folded -> Bool,
    }
}

diesel::table! {
    answers (response_id, item_id) {
        response_id -> Text,
        item_id -> Text,
        value -> Nullable<Integer>,
    }
}

diesel::table! {
    /// Answers per scope × day × item × value of the folded responses, kept by
    /// `store::aggregates::fold_pending`. `procedure_code` is `''` for none and `value` is `0`
    /// for "not applicable" (key columns cannot be NULL); a count is the sum over its `shard`s
    /// (written as 0). See the `answer_counts` migration.
    answer_counts (survey_id, day, survey_version, agency_code, field, procedure_code, channel, item_id, value, shard) {
        survey_id -> Text,
        day -> Date,
        survey_version -> Integer,
        agency_code -> Text,
        field -> Text,
        procedure_code -> Text,
        channel -> Text,
        item_id -> Text,
        value -> Integer,
        shard -> Integer,
        count -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        agency_code -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
        password_changed_at -> Timestamp,
        email -> Nullable<Text>,
    }
}

diesel::table! {
    /// Folded responses per scope × day, kept by `store::aggregates::fold_pending`; `procedure_code` and
    /// `shard` as in `answer_counts`.
    response_counts (survey_id, day, survey_version, agency_code, field, procedure_code, channel, shard) {
        survey_id -> Text,
        day -> Date,
        survey_version -> Integer,
        agency_code -> Text,
        field -> Text,
        procedure_code -> Text,
        channel -> Text,
        shard -> Integer,
        count -> BigInt,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    /// Answers per scope × half-month span × item, one column per value (`n_na` = "not
    /// applicable"), kept with `answer_counts`. See the `totals` migration.
    answer_totals (survey_id, span_start, survey_version, agency_code, field, channel, item_id) {
        survey_id -> Text,
        span_start -> Date,
        survey_version -> Integer,
        agency_code -> Text,
        field -> Text,
        channel -> Text,
        item_id -> Text,
        n_na -> BigInt,
        n1 -> BigInt,
        n2 -> BigInt,
        n3 -> BigInt,
        n4 -> BigInt,
        n5 -> BigInt,
    }
}

diesel::table! {
    /// `answer_totals` summed over fields and channels.
    agency_answer_totals (survey_id, span_start, survey_version, agency_code, item_id) {
        survey_id -> Text,
        span_start -> Date,
        survey_version -> Integer,
        agency_code -> Text,
        item_id -> Text,
        n_na -> BigInt,
        n1 -> BigInt,
        n2 -> BigInt,
        n3 -> BigInt,
        n4 -> BigInt,
        n5 -> BigInt,
    }
}

diesel::table! {
    /// Answers per agency × day × item, one column per value (the ragged ends of custom ranges).
    agency_answer_days (survey_id, day, survey_version, agency_code, item_id) {
        survey_id -> Text,
        day -> Date,
        survey_version -> Integer,
        agency_code -> Text,
        item_id -> Text,
        n_na -> BigInt,
        n1 -> BigInt,
        n2 -> BigInt,
        n3 -> BigInt,
        n4 -> BigInt,
        n5 -> BigInt,
    }
}

diesel::table! {
    /// Folded responses per scope × half-month span.
    response_totals (survey_id, span_start, survey_version, agency_code, field, channel) {
        survey_id -> Text,
        span_start -> Date,
        survey_version -> Integer,
        agency_code -> Text,
        field -> Text,
        channel -> Text,
        count -> BigInt,
    }
}

diesel::table! {
    /// Invitations per scope × handled day, kept by `store::invitations::create_or_get`.
    invitation_counts (survey_id, day, survey_version, agency_code, field, channel) {
        survey_id -> Text,
        day -> Date,
        survey_version -> Integer,
        agency_code -> Text,
        field -> Text,
        channel -> Text,
        count -> BigInt,
    }
}

diesel::table! {
    /// Invitations per scope × half-month span of the handled day.
    invitation_totals (survey_id, span_start, survey_version, agency_code, field, channel) {
        survey_id -> Text,
        span_start -> Date,
        survey_version -> Integer,
        agency_code -> Text,
        field -> Text,
        channel -> Text,
        count -> BigInt,
    }
}

diesel::table! {
    /// Every staff view of comments and every export (PRODUCT §5); rows are only added.
    /// `actor` is a username or `api-key:<id>`; `target` the scope and filters as compact text.
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        target -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    /// Export jobs; see the `exports` migration.
    export_jobs (id) {
        id -> Text,
        owner -> Text,
        visibility -> Text,
        dataset -> Text,
        format -> Text,
        request -> Text,
        state -> Text,
        error -> Nullable<Text>,
        rows_total -> Nullable<BigInt>,
        rows_done -> BigInt,
        attempts -> Integer,
        worker -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    export_files (job_id, name) {
        job_id -> Text,
        name -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
    }
}

diesel::table! {
    /// The e-mail outbox (see the `outbox` migration and `store::outbox`).
    outbox (id) {
        id -> Text,
        kind -> Text,
        user_id -> Nullable<Text>,
        invitation_id -> Nullable<Text>,
        recipient -> Nullable<Text>,
        payload -> Text,
        dedupe_key -> Nullable<Text>,
        state -> Text,
        attempts -> Integer,
        not_before -> Timestamp,
        worker -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        smtp_reply -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_optouts (user_id, kind) {
        user_id -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    index_watch (agency_code, survey_id) {
        agency_code -> Text,
        survey_id -> Text,
        below -> Bool,
        checked_at -> Timestamp,
    }
}

diesel::joinable!(answers -> responses (response_id));
diesel::joinable!(invitations -> agencies (agency_code));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(export_files -> export_jobs (job_id));
diesel::joinable!(outbox -> users (user_id));
diesel::joinable!(mail_optouts -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    agency_successors,
    survey_versions,
    api_keys,
    invitations,
    used_tokens,
    legacy_answered,
    responses,
    answers,
    answer_counts,
    response_counts,
    answer_totals,
    agency_answer_totals,
    agency_answer_days,
    response_totals,
    invitation_counts,
    invitation_totals,
    users,
    sessions,
    audit_log,
    export_jobs,
    export_files,
    outbox,
    mail_optouts,
    index_watch,
);
