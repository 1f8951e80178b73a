-- Qalam on Supabase: the tables of Resources/migrations/0001 and 0002, with
-- row-level security, so that the database itself decides who reads and who
-- writes, whatever client asks (supabase-js, PostgREST, Realtime).
--
-- Run it once in the SQL editor (or `supabase db push`); it is safe to run again.
--
--   documents         members read; a signed-in user creates a document and owns it;
--                     owners rename or delete it
--   document_members  members see who else is a member; owners add, change and
--                     remove editors and viewers (never the owner)
--   yjs_documents     members read the state; editors and owners write it
--   realtime.messages on topics room:<document id>, members receive and track
--                     presence; editors and owners send broadcasts (Realtime's
--                     private channels: join with `private: true`)
--
-- `auth.uid()` is the user of the request's JWT (`sub`), `realtime.topic()` the
-- channel being authorized. The service role bypasses row-level security, as
-- everywhere in Supabase.

CREATE TABLE IF NOT EXISTS public.documents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title text,
    owner_id uuid DEFAULT auth.uid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE public.documents ADD COLUMN IF NOT EXISTS title text;
ALTER TABLE public.documents ADD COLUMN IF NOT EXISTS owner_id uuid DEFAULT auth.uid();
ALTER TABLE public.documents ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE public.documents ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS public.document_members (
    document_id uuid NOT NULL REFERENCES public.documents(id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    role text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, user_id)
);
CREATE INDEX IF NOT EXISTS document_members_user_id_idx ON public.document_members (user_id);

CREATE TABLE IF NOT EXISTS public.yjs_documents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id uuid NOT NULL REFERENCES public.documents(id) ON DELETE CASCADE,
    state bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS yjs_documents_document_id_idx ON public.yjs_documents (document_id, updated_at);

-- The caller's role in a document, or NULL. SECURITY DEFINER so that policies
-- can ask it without recursing into document_members' own policies.
CREATE OR REPLACE FUNCTION public.qalam_document_role(document uuid)
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
    SELECT m.role FROM public.document_members m
    WHERE m.document_id = document AND m.user_id = auth.uid()
$$;

-- The caller's role in the document of the channel being authorized (topic
-- room:<id>), or NULL. Compared as text, so that a topic that is not
-- room:<uuid> matches nothing instead of failing a cast.
CREATE OR REPLACE FUNCTION public.qalam_topic_role()
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
    SELECT m.role FROM public.document_members m
    WHERE 'room:' || m.document_id::text = realtime.topic() AND m.user_id = auth.uid()
$$;

REVOKE ALL ON FUNCTION public.qalam_document_role(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.qalam_topic_role() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.qalam_document_role(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.qalam_topic_role() TO authenticated, service_role;

-- Whoever creates a document owns it: the owner's member row comes with it.
CREATE OR REPLACE FUNCTION public.qalam_add_owner()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
    INSERT INTO public.document_members (document_id, user_id, role)
    VALUES (NEW.id, NEW.owner_id, 'owner')
    ON CONFLICT (document_id, user_id) DO UPDATE SET role = 'owner';
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS qalam_add_owner ON public.documents;
CREATE TRIGGER qalam_add_owner AFTER INSERT ON public.documents
    FOR EACH ROW WHEN (NEW.owner_id IS NOT NULL) EXECUTE FUNCTION public.qalam_add_owner();

ALTER TABLE public.documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.document_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.yjs_documents ENABLE ROW LEVEL SECURITY;

-- documents
DROP POLICY IF EXISTS "members read documents" ON public.documents;
CREATE POLICY "members read documents" ON public.documents FOR SELECT TO authenticated
    USING (owner_id = auth.uid() OR public.qalam_document_role(id) IS NOT NULL);
DROP POLICY IF EXISTS "users create documents they own" ON public.documents;
CREATE POLICY "users create documents they own" ON public.documents FOR INSERT TO authenticated
    WITH CHECK (owner_id = auth.uid());
DROP POLICY IF EXISTS "owners update documents" ON public.documents;
CREATE POLICY "owners update documents" ON public.documents FOR UPDATE TO authenticated
    USING (public.qalam_document_role(id) = 'owner')
    WITH CHECK (public.qalam_document_role(id) = 'owner' AND owner_id = auth.uid());
DROP POLICY IF EXISTS "owners delete documents" ON public.documents;
CREATE POLICY "owners delete documents" ON public.documents FOR DELETE TO authenticated
    USING (public.qalam_document_role(id) = 'owner');

-- document_members
DROP POLICY IF EXISTS "members see the members" ON public.document_members;
CREATE POLICY "members see the members" ON public.document_members FOR SELECT TO authenticated
    USING (public.qalam_document_role(document_id) IS NOT NULL);
DROP POLICY IF EXISTS "owners add members" ON public.document_members;
CREATE POLICY "owners add members" ON public.document_members FOR INSERT TO authenticated
    WITH CHECK (public.qalam_document_role(document_id) = 'owner' AND role IN ('editor', 'viewer'));
DROP POLICY IF EXISTS "owners change members" ON public.document_members;
CREATE POLICY "owners change members" ON public.document_members FOR UPDATE TO authenticated
    USING (public.qalam_document_role(document_id) = 'owner' AND role <> 'owner')
    WITH CHECK (public.qalam_document_role(document_id) = 'owner' AND role IN ('editor', 'viewer'));
DROP POLICY IF EXISTS "owners remove members" ON public.document_members;
CREATE POLICY "owners remove members" ON public.document_members FOR DELETE TO authenticated
    USING (public.qalam_document_role(document_id) = 'owner' AND role <> 'owner');

-- yjs_documents
DROP POLICY IF EXISTS "members read the state" ON public.yjs_documents;
CREATE POLICY "members read the state" ON public.yjs_documents FOR SELECT TO authenticated
    USING (public.qalam_document_role(document_id) IS NOT NULL);
DROP POLICY IF EXISTS "editors add state" ON public.yjs_documents;
CREATE POLICY "editors add state" ON public.yjs_documents FOR INSERT TO authenticated
    WITH CHECK (public.qalam_document_role(document_id) IN ('owner', 'editor'));
DROP POLICY IF EXISTS "editors change state" ON public.yjs_documents;
CREATE POLICY "editors change state" ON public.yjs_documents FOR UPDATE TO authenticated
    USING (public.qalam_document_role(document_id) IN ('owner', 'editor'))
    WITH CHECK (public.qalam_document_role(document_id) IN ('owner', 'editor'));
DROP POLICY IF EXISTS "editors compact state" ON public.yjs_documents;
CREATE POLICY "editors compact state" ON public.yjs_documents FOR DELETE TO authenticated
    USING (public.qalam_document_role(document_id) IN ('owner', 'editor'));

-- realtime.messages: what Realtime checks when a client joins a private channel
-- (read: receive broadcasts and presence) and when it sends (write).
DROP POLICY IF EXISTS "qalam members receive" ON realtime.messages;
CREATE POLICY "qalam members receive" ON realtime.messages FOR SELECT TO authenticated
    USING (public.qalam_topic_role() IS NOT NULL);
DROP POLICY IF EXISTS "qalam editors broadcast, members track presence" ON realtime.messages;
CREATE POLICY "qalam editors broadcast, members track presence" ON realtime.messages FOR INSERT TO authenticated
    WITH CHECK (
        (extension = 'broadcast' AND public.qalam_topic_role() IN ('owner', 'editor'))
        OR (extension = 'presence' AND public.qalam_topic_role() IS NOT NULL)
    );
