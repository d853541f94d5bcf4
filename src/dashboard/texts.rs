//! The dashboard's words, in Spanish (the default) and English, switched by a cookie.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};

const COOKIE: &str = "diana_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }
}

pub fn lang_of(req: &HttpRequest) -> Lang {
    match req.cookie(COOKIE).as_ref().map(Cookie::value) {
        Some("en") => Lang::En,
        _ => Lang::Es,
    }
}

#[derive(serde::Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// `GET /admin/lang/{es|en}`: a preference only, so a link may set it; back where the admin was.
pub async fn switch(lang: web::Path<String>, back: web::Query<Back>) -> HttpResponse {
    let code = if lang.as_str() == "en" { "en" } else { "es" };
    // Only a path of ours: never an open redirect.
    let back = back.back.as_deref().filter(|b| b.starts_with("/admin/") && !b.starts_with("//")).unwrap_or("/admin/");
    let cookie = Cookie::build(COOKIE, code).path("/").same_site(SameSite::Strict).finish();
    HttpResponse::SeeOther().cookie(cookie).insert_header(("Location", back.to_owned())).finish()
}

/// A word or phrase by key; an unknown key shows itself, so a missing text is visible in review.
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    let (es, en) = match key {
        "brand" => ("Diana · Panel", "Diana · Dashboard"),
        "nav_overview" => ("Resumen", "Overview"),
        "nav_users" => ("Jugadores", "Players"),
        "nav_audit" => ("Auditoría", "Audit log"),
        "nav_system" => ("Sistema", "System"),
        "nav_playground" => ("Playground", "Playground"),
        "logout" => ("Salir", "Log out"),
        "login_title" => ("Entrar al panel", "Sign in to the dashboard"),
        "login_explain" => (
            "Este enlace de acceso sirve una sola vez y caduca a los 10 minutos. Pulsa el botón para entrar.",
            "This sign-in link works once and expires after 10 minutes. Press the button to sign in.",
        ),
        "login_button" => ("Entrar", "Sign in"),
        "login_bad_link" => (
            "Este enlace ya se usó o ha caducado. Pide uno nuevo con /admin en Telegram.",
            "This link was already used or has expired. Ask for a new one with /admin in Telegram.",
        ),
        "login_slow_down" => (
            "Demasiados enlaces no válidos desde esta dirección. Espera unos minutos.",
            "Too many invalid links from this address. Wait a few minutes.",
        ),
        "login_needed" => (
            "Necesitas un enlace de acceso: escribe /admin al bot en Telegram, o ejecuta `diana admin login-link --user-id <id>` en el servidor.",
            "You need a sign-in link: send /admin to the bot in Telegram, or run `diana admin login-link --user-id <id>` on the server.",
        ),
        "refused_csrf" => (
            "El formulario caducó o no salió de este panel. Recarga la página e inténtalo de nuevo.",
            "The form is stale or did not come from this dashboard. Reload the page and try again.",
        ),
        "refused_role" => ("Tu rol no permite esta acción.", "Your role does not allow this action."),
        "refused_internal" => (
            "Algo falló de nuestro lado; quedó registrado. Inténtalo de nuevo en un momento.",
            "Something failed on our side; it was logged. Try again in a moment.",
        ),
        "overview_title" => ("Resumen", "Overview"),
        "players" => ("Jugadores", "Players"),
        "live_actors" => ("Actores en memoria", "Live user actors"),
        "computed_at" => ("Calculado", "Computed"),
        "recompute" => ("Recalcular ahora", "Recompute now"),
        "chart_actives" => ("Activos y nuevos por día", "Active and new players per day"),
        "chart_retention" => ("Retención por día de alta (%)", "Retention by signup day (%)"),
        "chart_besitos" => ("Besitos emitidos y gastados por día", "Besitos issued and spent per day"),
        "chart_funnel" => ("Embudo de la historia por capítulo", "Story funnel by chapter"),
        "chart_revenue" => ("Suscriptores activos e ingresos por día", "Active subscribers and revenue per day"),
        "day" => ("Día", "Day"),
        "active" => ("Activos", "Active"),
        "new" => ("Nuevos", "New"),
        "issued" => ("Emitidos", "Issued"),
        "spent" => ("Gastados", "Spent"),
        "chapter" => ("Capítulo", "Chapter"),
        "started" => ("Empezaron", "Started"),
        "finished" => ("Terminaron", "Finished"),
        "subscribers" => ("Suscriptores", "Subscribers"),
        "revenue_eur" => ("Ingresos (€)", "Revenue (€)"),
        "revenue_stars" => ("Ingresos (⭐)", "Revenue (⭐)"),
        "cohort" => ("Cohorte", "Cohort"),
        "search" => ("Buscar", "Search"),
        "search_hint" => ("id, @usuario o nombre", "id, @username or name"),
        "filter_all" => ("Todos", "All"),
        "filter_vip" => ("VIP", "VIP"),
        "filter_blocked" => ("Bloquearon el bot", "Blocked the bot"),
        "filter_banned" => ("Vetados", "Banned"),
        "filter_admin" => ("Admins", "Admins"),
        "filter_test" => ("De prueba", "Test players"),
        "no_results" => ("Nadie coincide.", "Nobody matches."),
        "next_page" => ("Siguiente →", "Next →"),
        "prev_page" => ("← Anterior", "← Previous"),
        "name" => ("Nombre", "Name"),
        "username" => ("Usuario", "Username"),
        "balance" => ("Besitos", "Besitos"),
        "streak" => ("Racha", "Streak"),
        "how_they_play" => ("Cómo juega", "How they play"),
        "archetype" => ("Arquetipo", "Archetype"),
        "quiz" => ("Cuestionario", "Quiz"),
        "play_signals" => ("Lo que hace", "What they do"),
        "best_hour" => ("Hora habitual", "Usual hour"),
        "game_timezone" => ("zona del juego", "game time zone"),
        "reminders" => ("Recordatorios", "Reminders"),
        "last_reminder" => ("último", "last"),
        "last_mood" => ("Último ánimo leído", "Last mood read"),
        "play_sessions" => ("sesiones", "sessions"),
        "yes" => ("sí", "yes"),
        "no" => ("no", "no"),
        "last_seen" => ("Visto", "Last seen"),
        "joined" => ("Alta", "Joined"),
        "status" => ("Estado", "Status"),
        "profile" => ("Perfil", "Profile"),
        "ledger" => ("Movimientos", "Ledger"),
        "achievements" => ("Logros", "Achievements"),
        "story" => ("Historia", "Story"),
        "decisions" => ("Decisiones", "Decisions"),
        "relationships" => ("Relaciones", "Relationships"),
        "subscriptions" => ("Suscripción y pagos", "Subscription and payments"),
        "actions" => ("Acciones", "Actions"),
        "amount" => ("Cantidad", "Amount"),
        "reason" => ("Motivo", "Reason"),
        "grant_besitos" => ("Dar o quitar besitos", "Grant or take besitos"),
        "grant_besitos_hint" => ("Negativo para quitar.", "Negative to take."),
        "apply" => ("Aplicar", "Apply"),
        "ban" => ("Vetar", "Ban"),
        "unban" => ("Levantar veto", "Lift ban"),
        "grant_vip" => ("Dar días VIP", "Grant VIP days"),
        "days" => ("Días", "Days"),
        "plan" => ("Plan", "Plan"),
        "reset_story" => ("Reiniciar la historia", "Reset the story"),
        "send_message" => ("Enviar un mensaje", "Send a message"),
        "message" => ("Mensaje", "Message"),
        "send" => ("Enviar", "Send"),
        "refund" => ("Reembolsar", "Refund"),
        "confirm" => ("¿Seguro? Esto queda en la auditoría.", "Sure? This goes into the audit log."),
        "done" => ("Hecho.", "Done."),
        "when" => ("Cuándo", "When"),
        "what" => ("Qué", "What"),
        "who" => ("Quién", "Who"),
        "target" => ("Objetivo", "Target"),
        "before" => ("Antes", "Before"),
        "after" => ("Después", "After"),
        "filter" => ("Filtrar", "Filter"),
        "older" => ("Más antiguas →", "Older →"),
        "system_title" => ("Sistema", "System"),
        "health" => ("Salud", "Health"),
        "shards" => ("Actores por árbitro", "User actors per arbiter"),
        "backlog" => ("Cola (actualizaciones en curso)", "Backlog (updates in flight)"),
        "config" => ("Configuración (secretos ocultos)", "Configuration (secrets masked)"),
        "audit_chain" => ("Cadena de auditoría", "Audit chain"),
        "verify_chain" => ("Comprobar cadena", "Verify chain"),
        "chain_ok" => ("La cadena está intacta.", "The chain is intact."),
        "chain_broken" => ("La cadena está rota desde la entrada", "The chain is broken from entry"),
        "rows" => ("entradas", "entries"),
        "head" => ("Cabeza", "Head"),
        "uptime" => ("En marcha desde hace", "Up for"),
        "none" => ("—", "—"),
        "vip_until" => ("VIP hasta", "VIP until"),
        "banned" => ("Vetado", "Banned"),
        "blocked" => ("Bloqueó el bot", "Blocked the bot"),
        "test_player" => ("Jugador de prueba", "Test player"),
        "role" => ("Rol", "Role"),
        "not_found" => ("No existe.", "Not found."),
        "nav_content" => ("Contenido", "Content"),
        "nav_payments" => ("Pagos", "Payments"),
        "nav_account" => ("Cuenta", "Account"),
        "nav_broadcast" => ("Difusión", "Broadcast"),
        "broadcast_new" => ("Nuevo mensaje a un grupo", "New message to a segment"),
        "broadcasts" => ("Difusiones", "Broadcasts"),
        "segment" => ("Grupo", "Segment"),
        "segment_all" => ("Todos los jugadores", "All players"),
        "segment_vip" => ("VIP", "VIP"),
        "segment_inactive" => ("Inactivos desde hace N días", "Inactive for N days"),
        "inactive_days" => {
            ("Días sin jugar (para «inactivos»: de 1 a 365)", "Days without playing (for \"inactive\": 1 to 365)")
        }
        "broadcast_text" => {
            ("El mensaje debe tener de 1 a 3500 caracteres.", "The message must have 1 to 3500 characters.")
        }
        "cancel" => ("Cancelar", "Cancel"),
        "nav_channels" => ("Canales y tokens", "Channels and tokens"),
        "join_requests" => ("Solicitudes para entrar al canal gratis", "Requests to join the free channel"),
        "approve_at" => ("Se aprueba", "Approved at"),
        "approve_now" => ("Aprobar todas ya", "Approve all now"),
        "vip_subscribers" => ("Canal VIP frente a suscripciones", "VIP channel against subscriptions"),
        "vip_subscribers_explain" => (
            "Quien tiene VIP activo recibe una invitación de un solo uso al canal VIP; quien entra sin él es expulsado, y quien lo pierde sale.",
            "Whoever has active VIP gets a single-use invite to the VIP channel; whoever joins without it is removed, and whoever loses it leaves.",
        ),
        "tariffs" => ("Tarifas", "Tariffs"),
        "vip_channel_off" => {
            ("No hay canal VIP configurado (channels.vip_id).", "No VIP channel is configured (channels.vip_id).")
        }
        "in_channel" => ("En el canal desde", "In the channel since"),
        "subscribed" => ("Suscripción activa", "Active subscription"),
        "tariff_new" => ("Nueva tarifa", "New tariff"),
        "price_cents" => ("Precio (céntimos)", "Price (cents)"),
        "tokens_made" => ("Tokens hechos", "Tokens made"),
        "tokens_used" => ("Usados", "Used"),
        "token_new" => ("Token VIP de un solo uso", "Single-use VIP token"),
        "token_make" => ("Crear token", "Make token"),
        "token_made" => ("Entrega esto al comprador; sirve una vez:", "Give this to the buyer; it works once:"),
        "sessions" => ("Sesiones abiertas", "Open sessions"),
        "expires" => ("Caduca", "Expires"),
        "revoke" => ("Cerrar", "Revoke"),
        "api_tokens" => ("Tokens de la API", "API tokens"),
        "api_tokens_explain" => (
            "Para /api/v1 con Authorization: Bearer <token>. Actúan con tu rol; ciérralos cuando no los uses.",
            "For /api/v1 with Authorization: Bearer <token>. They act with your role; revoke them when unused.",
        ),
        "api_token_once" => {
            ("Copia tu token ahora: no se volverá a mostrar.", "Copy your token now: it will not be shown again.")
        }
        "api_token_new" => ("Crear token", "Create token"),
        "api_token_name" => {
            ("Un token necesita un nombre de 1 a 60 caracteres.", "A token needs a name of 1 to 60 characters.")
        }
        "roles" => ("Roles del panel", "Dashboard roles"),
        "roles_explain" => (
            "Los superadmins de DIANA_ADMIN_IDS no aparecen aquí y no se pueden cambiar desde el panel.",
            "Superadmins from DIANA_ADMIN_IDS are not listed here and cannot be changed from the dashboard.",
        ),
        "role_none" => ("Sin rol (quitar)", "No role (revoke)"),
        "role_configured" => (
            "Ese usuario es superadmin por configuración (DIANA_ADMIN_IDS).",
            "That user is a superadmin by configuration (DIANA_ADMIN_IDS).",
        ),
        "conversion" => ("Conversión", "Conversion"),
        "revenue_30d" => ("Ingresos de los últimos 30 días", "Revenue over the last 30 days"),
        "payments" => ("Pagos", "Payments"),
        "reconciliation" => ("Conciliación", "Reconciliation"),
        "reconciliation_clean" => ("Todo pago tiene el acceso que compró.", "Every payment has the access it bought."),
        "disputed" => {
            ("Pagos en disputa (sin acceso; revisar o reembolsar)", "Disputed payments (no access; review or refund)")
        }
        "repairs" => ("Reparaciones recientes", "Recent repairs"),
        "chapters" => ("capítulos", "chapters"),
        "story_good" => ("Compila y se puede jugar entera", "Compiles and plays through"),
        "story_errors" => ("error(es)", "error(s)"),
        "story_warnings" => ("Avisos", "Warnings"),
        "story_running" => ("En juego", "Running"),
        "story_none" => ("No hay historia cargada.", "No story is loaded."),
        "story_use_shipped" => ("Volver a la historia incluida", "Go back to the shipped story"),
        "story_upload" => ("Subir una historia", "Upload a story"),
        "story_upload_explain" => (
            "Sube los .ink (y, si cambiaron, personajes.toml, pistas.toml o imágenes). Lo que no subas se toma de la historia en juego. Se compila y se comprueba como `diana story check` antes de poder activarla.",
            "Upload the .ink files (and personajes.toml, pistas.toml or pictures if they changed). Whatever you leave out is taken from the running story. It is compiled and checked like `diana story check` before it can be activated.",
        ),
        "story_check" => ("Subir y comprobar", "Upload and check"),
        "story_versions" => ("Versiones", "Versions"),
        "story_activate" => ("Activar para todos", "Activate for everyone"),
        "story_no_files" => ("Elige al menos un archivo.", "Choose at least one file."),
        "story_not_activatable" => {
            ("Esta versión tiene errores: no se puede activar.", "This version has errors: it cannot be activated.")
        }
        "documents" => ("Trivia, misiones, tienda, logros y planes", "Trivia, missions, shop, achievements and plans"),
        "documents_explain" => (
            "Cada uno es un archivo TOML. Edítalo aquí o sube uno: se comprueba como lo cargaría el servidor, se guarda como versión y se activa sin reiniciar. Puedes volver a cualquier versión o al archivo incluido.",
            "Each is a TOML file. Edit it here or upload one: it is checked as the server would load it, kept as a version, and activated without a restart. You can go back to any version or to the shipped file.",
        ),
        "document" => ("Documento", "Document"),
        "segment_archetype" => ("Arquetipo", "Archetype"),
        "count_questions" => ("preguntas", "questions"),
        "count_vip_only" => ("solo VIP", "VIP only"),
        "count_missions" => ("misiones", "missions"),
        "count_items" => ("artículos", "items"),
        "count_achievements" => ("logros", "achievements"),
        "count_secret" => ("secretos", "secret"),
        "count_plans" => ("planes", "plans"),
        "entries" => ("Entradas", "Entries"),
        "shipped_file" => ("el archivo incluido", "the shipped file"),
        "doc_trivia" => ("Preguntas de trivia", "Trivia questions"),
        "doc_missions" => ("Misiones", "Missions"),
        "doc_shop" => ("Tienda", "Shop"),
        "doc_achievements" => ("Logros", "Achievements"),
        "doc_plans" => ("Planes VIP", "VIP plans"),
        "doc_edit" => ("Editar", "Edit"),
        "doc_edit_explain" => (
            "Cambia el texto (o elige un archivo .toml, que tiene prioridad) y compruébalo. Si tiene errores verás dónde, y tu texto se queda aquí.",
            "Change the text (or choose a .toml file, which wins) and check it. If it has errors you will see where, and your text stays here.",
        ),
        "doc_or_file" => ("o un archivo", "or a file"),
        "doc_check_save" => ("Comprobar y guardar versión", "Check and save a version"),
        "doc_good" => ("Se carga sin errores.", "It loads without errors."),
        "doc_added" => ("Nuevas", "Added"),
        "doc_removed" => ("Quitadas", "Removed"),
        "doc_kept" => ("Se mantienen", "Kept"),
        "doc_blocked" => (
            "No se puede activar todavía: quitaría algo que los jugadores tienen.",
            "It cannot go live yet: it would take away something players hold.",
        ),
        "doc_use_shipped" => ("Volver al archivo incluido", "Go back to the shipped file"),
        "doc_not_utf8" => ("El archivo no es texto UTF-8.", "The file is not UTF-8 text."),
        "playground_explain" => (
            "Hablas con el bot como tu jugador de prueba, por el mismo camino que Telegram. Los jugadores de prueba no cuentan en las estadísticas.",
            "You talk to the bot as your test player, through the same pipeline as Telegram. Test players are left out of analytics.",
        ),
        "playground_placeholder" => {
            ("Escribe un mensaje o un comando, p. ej. /start", "Write a message or a command, e.g. /start")
        }
        "playground_start" => ("Empieza con /start.", "Start with /start."),
        "playground_name" => ("Prueba", "Tester"),
        _ => (key, key),
    };
    if lang == Lang::En { en } else { es }
}
